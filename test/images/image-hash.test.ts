import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { imagePlan, buildEnv, folderContents, parseImageReference } from "../../components/images/image-build";
import { findRoles, imageHash, missingRolesMessage, resolveRoles, BUILTIN_ROLES_DIR } from "../../components/images/image-hash";
import { failingCommand } from "../../components/services/remote-script";
import { stagingSite } from "../helpers/services-site-fixture";
import type { Site } from "../../src/inventory/model";

function projectRoles(): string {
  const dir = mkdtempSync(join(tmpdir(), "hive-roles-"));
  cpSync(join(__dirname, "../services/fixtures/roles"), dir, { recursive: true });
  return dir;
}

const site = stagingSite();
const pdnsdb = site.services.find((s) => s.name === "pdnsdb")!;
const tagOf = (dir: string) => imagePlan(pdnsdb, site, dir)!.tag;

test("the tag is stable for the same content", () => {
  const a = projectRoles();
  const b = projectRoles();
  assert.equal(tagOf(a), tagOf(b));
  assert.match(tagOf(a), /^[0-9a-f]{16}$/);
});

test("editing, adding or renaming a file of a used role changes the tag", () => {
  const dir = projectRoles();
  const before = tagOf(dir);
  writeFileSync(join(dir, "powerdns-initdb/tasks/main.yml"), "---\n- name: changed\n  ansible.builtin.debug:\n");
  const edited = tagOf(dir);
  assert.notEqual(edited, before);
  mkdirSync(join(dir, "powerdns-initdb/files"));
  writeFileSync(join(dir, "powerdns-initdb/files/schema.sql"), "create table x (id int);\n");
  const added = tagOf(dir);
  assert.notEqual(added, edited);
  renameSync(join(dir, "powerdns-initdb/files/schema.sql"), join(dir, "powerdns-initdb/files/schema2.sql"));
  assert.notEqual(tagOf(dir), added);
});

test("changing a role the image does not use leaves the tag alone", () => {
  const dir = projectRoles();
  const before = tagOf(dir);
  writeFileSync(join(dir, "proxy-configure/tasks/main.yml"), "---\n- name: other\n  ansible.builtin.debug:\n");
  assert.equal(tagOf(dir), before);
});

test("changing the build object changes the tag", () => {
  const dir = projectRoles();
  const roles = resolveRoles(["python-aptk"], dir);
  const build = pdnsdb.image.build!;
  const base = imageHash(build, { roles });
  assert.notEqual(imageHash({ ...build, from: "mariadb:10.5" }, { roles }), base);
  assert.notEqual(imageHash({ ...build, env: { A: "1" } }, { roles }), base);
  assert.notEqual(imageHash({ ...build, expose: ["3306"] }, { roles }), base);
});

test("project roles shadow built-ins; a missing role names both places", () => {
  const dir = projectRoles();
  assert.equal(resolveRoles(["python-aptk"], dir)[0].dir, join(BUILTIN_ROLES_DIR, "python-aptk"));
  mkdirSync(join(dir, "python-aptk/tasks"), { recursive: true });
  writeFileSync(join(dir, "python-aptk/tasks/main.yml"), "---\n[]\n");
  assert.equal(resolveRoles(["python-aptk"], dir)[0].dir, join(dir, "python-aptk"));
  assert.throws(() => resolveRoles(["nope"], dir), {
    message: `role "nope" is neither in ${dir} nor a built-in role (python-aptk, hive-syslog, hive-trust-ca)`,
  });
});

test("pulled images have no plan; the build environment of pdnsdb", () => {
  assert.equal(imagePlan(site.services.find((s) => s.name === "powerdns")!, site, projectRoles()), null);
  const dir = projectRoles();
  const plan = imagePlan(pdnsdb, site, dir)!;
  const env = buildEnv(pdnsdb, plan, { site, ansibleVenv: "/opt/hive/ansible" });
  const [aptk, initdb] = plan.roles;
  assert.deepEqual(env, {
    HIVE_SERVICE: "pdnsdb",
    HIVE_IMAGE: "s-hive3.pdns:5000/image_pdnsdb",
    HIVE_TAG: plan.tag,
    HIVE_REGISTRY: "s-hive3.pdns:5000",
    HIVE_FROM: "mariadb:10.4",
    HIVE_ROLE_PATHS: `hive/roles/python-aptk-${aptk.hash.slice(0, 16)}:hive/roles/powerdns-initdb-${initdb.hash.slice(0, 16)}`,
    HIVE_STANDALONE: "0",
    HIVE_PRIVILEGED: "0",
    HIVE_USER: "",
    HIVE_WORKDIR: "",
    HIVE_STOP_SIGNAL: "",
    HIVE_ENTRYPOINT: "",
    HIVE_COMMAND: "",
    HIVE_EXPOSE: "",
    HIVE_ANSIBLE_VENV: "/opt/hive/ansible",
    HIVE_EXTRA_VARS: JSON.stringify({
      hive_name: "pdns",
      hive_stage: "staging",
      hive_registry: "s-hive3.pdns:5000",
      hive_repository: "s-hive3.pdns",
      hive_syslog_address: "192.168.0.6",
      hive_syslog_port: 10514,
    }),
  });
});

test("folderContents: an upload source with the trailing slash, so the folder's contents land in the remote path", async () => {
  assert.equal(await folderContents("/project/roles/hello").path, "/project/roles/hello/");
  assert.equal(await folderContents("/project/roles/hello/").path, "/project/roles/hello/");
});

test("parseImageReference: the digest and platform build-image.sh prints last, or null without them", () => {
  const digest = `sha256:${"ab".repeat(32)}`;
  assert.deepEqual(parseImageReference(`PLAY [all]\nok: [x]\nHIVE_IMAGE_DIGEST=${digest}\nHIVE_IMAGE_PLATFORM=linux/arm64\n`), {
    digest,
    platform: { os: "linux", architecture: "arm64" },
  });
  assert.equal(parseImageReference("PLAY [all]\n"), null);
  assert.equal(parseImageReference(`HIVE_IMAGE_DIGEST=${digest}\n`), null);
  assert.equal(parseImageReference("HIVE_IMAGE_DIGEST=sha256:short\nHIVE_IMAGE_PLATFORM=linux/amd64\n"), null);
});

test("findRoles lists the roles found nowhere instead of failing; their step fails with their names when run", () => {
  const dir = projectRoles();
  const { roles, missing } = findRoles(["python-aptk", "nope", "gone"], dir);
  assert.deepEqual(roles.map((r) => r.name), ["python-aptk"]);
  assert.deepEqual(missing, ["nope", "gone"]);
  const message = missingRolesMessage(missing, dir);
  assert.equal(message, `roles "nope", "gone" are neither in ${dir} nor a built-in role (python-aptk, hive-syslog, hive-trust-ca)`);
  const run = spawnSync("bash", ["-c", failingCommand(`image of service x: ${message}`)], { encoding: "utf8" });
  assert.equal(run.status, 1);
  assert.equal(run.stderr, `hive: image of service x: ${message}\n`);
  // The plan of an image with a missing role says so, and the role's appearance changes the tag.
  const plan = imagePlan({ ...pdnsdb, image: { ...pdnsdb.image, build: { ...pdnsdb.image.build!, roles: ["python-aptk", "nope"] } } }, site, dir)!;
  assert.equal(plan.missingRoles, `role "nope" is neither in ${dir} nor a built-in role (python-aptk, hive-syslog, hive-trust-ca)`);
  mkdirSync(join(dir, "nope/tasks"), { recursive: true });
  writeFileSync(join(dir, "nope/tasks/main.yml"), "---\n[]\n");
  const found = imagePlan({ ...pdnsdb, image: { ...pdnsdb.image, build: { ...pdnsdb.image.build!, roles: ["python-aptk", "nope"] } } }, site, dir)!;
  assert.equal(found.missingRoles, null);
  assert.notEqual(found.tag, plan.tag);
});

test("host_vars/image_<service>.yml is part of that image's tag, as written, secrets by name", () => {
  const dir = projectRoles();
  const withVars = (vars: Record<string, unknown> | undefined): Site => ({ ...site, ansibleVars: { groups: {}, hosts: vars ? { image_pdnsdb: vars } : {}, extra: {}, builtins: {} } });
  const tag = (s: Site, svc = pdnsdb) => imagePlan(svc, s, dir)!.tag;
  // No variables of its own: the tag of before.
  assert.equal(tag(withVars(undefined)), tagOf(dir));
  assert.equal(tag(withVars({})), tagOf(dir));
  const a = tag(withVars({ flavour: "{{ hive_stage }}-a" }));
  assert.notEqual(a, tagOf(dir));
  assert.notEqual(tag(withVars({ flavour: "{{ hive_stage }}-b" })), a);
  // A secret counts by which one it is, never by its value (the tag is public).
  const secret = (name: string) => withVars({ pw: { kind: "secret", parts: ["p:", { secret: name }] } });
  assert.equal(tag(secret("db_password")), tag(secret("db_password")));
  assert.notEqual(tag(secret("db_password")), tag(secret("other")));
  // Another image's variables leave this one alone.
  const pdnsadmin = site.services.find((s) => s.name === "pdnsadmin")!;
  assert.equal(tag(withVars({ flavour: "x" }), pdnsadmin), tag(withVars(undefined), pdnsadmin));
});
