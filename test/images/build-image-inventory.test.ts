// Image builds run their roles on host image_<service> of the stage's Ansible inventory, which comes on stdin
// after the image environment; without it the roles run on the build container alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { newScriptEnv, runScript } from "../volumes/run-script";
import { buildStdin } from "../../components/images/image-build";
import { stagingSite } from "../helpers/services-site-fixture";
import type { Site } from "../../src/inventory/model";
import { resolve } from "../services/resolve-outputs";
import { deployTestWorkloads, settle, startMocks } from "../services/mock-runtime";

const script = join(__dirname, "../../components/images/scripts/build-image.sh");
const env = {
  HIVE_SERVICE: "pdnsdb",
  HIVE_IMAGE: "s-hive3.pdns:5000/image_pdnsdb",
  HIVE_TAG: "0123456789abcdef",
  HIVE_REGISTRY: "s-hive3.pdns:5000",
  HIVE_FROM: "mariadb:10.4",
  HIVE_ROLE_PATHS: "hive/roles/python-aptk-aaaa",
  HIVE_ANSIBLE_VENV: join(__dirname, "venv"),
  HIVE_EXTRA_VARS: '{"hive_name":"pdns"}',
};
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

test("with an inventory on stdin the build's roles run on image_<service> of it; the image env is still read", () => {
  const se = newScriptEnv();
  mkdirSync(join(se.root, "hive/roles/python-aptk-aaaa/tasks"), { recursive: true });
  const stdin = `pw\nMYSQL_USER=${b64("powerdns")}\nHIVE_INVENTORY\n{"all":{"hosts":{"image_pdnsdb":{}}}}\n{"x":1}\n${b64("KEY\n")}\n`;
  const r = runScript(script, se, env, { stubDirs: [join(__dirname, "stubs")], stdin });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.calls.some((c) => c.includes("-e MYSQL_USER=powerdns ")), r.calls.join("\n"));
  const play = r.calls.find((c) => c.startsWith("ansible-playbook"))!;
  assert.match(play, /^ansible-playbook -i \/.*\/inventory\.json -i \/.*\/target\.json -l image_pdnsdb -e @\/.*\/vars\.json -e @\/.*\/extra\.json \/.*\/playbook\.yml$/);
  // The site's key lies beside the playbook, where the inventory's servers name it.
  assert.equal(readFileSync(join(se.state, "last-ssh-key"), "utf8"), "KEY\n");
});

test("buildStdin: password, image environment, then the inventory with the realised secrets", async () => {
  const base = stagingSite();
  const site: Site = {
    ...base,
    ansibleVars: { groups: { all: { pw: { kind: "secret", parts: [{ secret: "db_password" }] } } }, hosts: {}, extra: {}, builtins: {} },
  };
  const svc = site.services.find((s) => s.image.build !== null)!;
  const text = (await resolve(buildStdin(svc, pulumi.secret("regpw"), { db_password: pulumi.secret("s3") }, { site, sshKey: pulumi.secret("PEM\n") }))) as unknown as { secret: string } | string;
  const value = typeof text === "string" ? text : text.secret;
  const lines = value.trimEnd().split("\n");
  assert.equal(lines[0], "regpw");
  const at = lines.indexOf("HIVE_INVENTORY");
  assert.ok(at > 0);
  const inventory = JSON.parse(lines[at + 1]) as { all: { vars: { pw: string }; children: { images: { hosts: Record<string, unknown> } } } };
  assert.equal(inventory.all.vars.pw, "s3");
  assert.ok(`image_${svc.name}` in inventory.all.children.images.hosts);
  assert.equal(Buffer.from(lines[at + 3], "base64").toString("utf8"), "PEM\n");
  assert.equal(lines.length, at + 4);
});

test("the project's lib/ is the roles' module path in builds and initialisations", () => {
  const venv = join(__dirname, "lib-venv");
  const build = newScriptEnv();
  mkdirSync(join(build.root, "hive/roles/python-aptk-aaaa/tasks"), { recursive: true });
  const b = runScript(script, build, { ...env, HIVE_ANSIBLE_VENV: venv, HIVE_LIBRARY: "hive/lib-0123456789abcdef" }, { stubDirs: [join(__dirname, "stubs")], stdin: "pw\n" });
  assert.equal(b.status, 0, b.stderr);
  assert.equal(readFileSync(join(build.state, "ansible-library"), "utf8"), `${build.root}/hive/lib-0123456789abcdef\n`);

  const init = newScriptEnv();
  writeFileSync(join(init.state, "service-ps"), "powerdns.1.abc@s-hive1 Running\n");
  const initScript = join(__dirname, "../../components/services/scripts/init-service.sh");
  const i = runScript(
    initScript,
    init,
    { HIVE_SERVICE: "powerdns", HIVE_DOMAIN: "pdns", HIVE_FIRST_HIVE: "s-hive0.pdns", HIVE_ANSIBLE_VENV: venv, HIVE_LIBRARY: "/opt/lib", HIVE_WAIT_TRIES: "1", HIVE_WAIT_SECONDS: "0" },
    { stubDirs: [join(__dirname, "stubs")] },
  );
  assert.equal(i.status, 0, i.stderr);
  assert.equal(readFileSync(join(init.state, "ansible-library"), "utf8"), "/opt/lib\n");
});

test("workloads upload lib/ next to roles/ once and give its path to the builds and initialisations", async () => {
  const records = await startMocks("staging");
  const project = mkdtempSync(join(tmpdir(), "hive-lib-"));
  cpSync(join(__dirname, "../services/fixtures/roles"), join(project, "roles"), { recursive: true });
  mkdirSync(join(project, "lib"));
  writeFileSync(join(project, "lib", "powerdns_zone.py"), "# module\n");
  await deployTestWorkloads(stagingSite(), "s3", { name: "w", rolesDir: join(project, "roles") });
  await settle(records);
  const lib = records.get("w-roles-lib");
  assert.ok(lib, [...records.keys()].filter((k) => k.startsWith("w-roles")).join(" "));
  const remote = String(lib.inputs.remotePath);
  assert.match(remote, /^hive\/lib-[0-9a-f]{16}$/);
  assert.ok(String(records.get("w-image-pdnsdb-build")!.inputs.create).includes(`export HIVE_LIBRARY='${remote}'`));
  assert.ok(String(records.get("w-init-powerdns-run")!.inputs.create).includes(`export HIVE_LIBRARY='${remote}'`));
});
