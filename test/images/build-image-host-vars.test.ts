// host_vars/image_<service>.yml reaches that image's build roles (and no other image's), through the real
// ansible-playbook run by the real build-image.sh with the inventory hive sends it; the build container is stood
// in for by a local connection and docker by its stub.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSite } from "../../src/inventory";
import { buildStdin } from "../../components/images/image-build";
import { newScriptEnv, runScript } from "../volumes/run-script";
import { resolve } from "../services/resolve-outputs";
import { ANSIBLE_VENV, NO_ANSIBLE, PLAYBOOK, SITE_KEY } from "../services/stand-in-servers";

const script = join(__dirname, "../../components/images/scripts/build-image.sh");

/** The pdns example with host_vars/image_pdnsdb.yml, an expression Ansible renders. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "hive-image-vars-"));
  cpSync(join(__dirname, "../../examples/pdns/inventory"), join(dir, "inventory"), { recursive: true });
  mkdirSync(join(dir, "inventory/host_vars"), { recursive: true });
  writeFileSync(join(dir, "inventory/host_vars/image_pdnsdb.yml"), 'build_flavour: "{{ hive_stage }}-flavour"\n');
  return dir;
}

async function build(service: string) {
  const dir = project();
  try {
    return await buildIn(dir, service);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function buildIn(dir: string, service: string) {
  const site = loadSite({ inventoryDir: join(dir, "inventory"), stage: "staging", contextDir: join(dir, ".hive/staging") });
  const svc = site.services.find((s) => s.name === service)!;
  const stdin = (await resolve(buildStdin({ ...svc, image: { ...svc.image, build: { ...svc.image.build!, env: {} } } }, "pw", { registry_password: "s3" }, { site, sshKey: SITE_KEY }))) as { secret: string };
  const se = newScriptEnv();
  return runScript(
    script,
    se,
    {
      HIVE_SERVICE: service,
      HIVE_IMAGE: `s-hive3.pdns:5000/image_${service}`,
      HIVE_TAG: "0123456789abcdef",
      HIVE_REGISTRY: "s-hive3.pdns:5000",
      HIVE_FROM: "alpine:3",
      HIVE_ROLE_PATHS: join(__dirname, "fixtures/image-vars"),
      HIVE_ANSIBLE_VENV: ANSIBLE_VENV,
      HIVE_ANSIBLE_CONNECTION: "local",
      HIVE_EXTRA_VARS: JSON.stringify({ hive_name: "pdns", hive_stage: "staging" }),
      ANSIBLE_NOCOLOR: "1",
      ANSIBLE_PYTHON_INTERPRETER: "auto_silent",
      ANSIBLE_LOCALHOST_WARNING: "0",
      LC_ALL: "C.UTF-8",
    },
    { stubDirs: [join(__dirname, "stubs")], stdin: stdin.secret },
  );
}

test("host_vars/image_<service>.yml applies to that image's build and to no other", async (t) => {
  if (!existsSync(PLAYBOOK)) return t.skip(NO_ANSIBLE);
  const own = await build("pdnsdb");
  assert.equal(own.status, 0, `${own.stdout}\n${own.stderr}`);
  assert.match(own.stdout, /^image_pdnsdb +: ok=1 +changed=0 +unreachable=0 +failed=0/m);
  const other = await build("pdnsadmin");
  assert.notEqual(other.status, 0);
  assert.match(other.stdout, /'build_flavour' is undefined/);
});
