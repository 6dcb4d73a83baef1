// `hive plan` of a project with an Ansible role roles/addon: an AddonRole per server, run on the repository
// server after the server's setup; the workloads wait for it as hive-builder's later phases waited for setup-hosts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { runHive } from "../helpers/plan";

const root = path.join(__dirname, "../..");

interface JsonPlan {
  resources: { type: string; name: string; parent: string | null; dependsOn: string[]; inputs: Record<string, unknown> }[];
}

test("staging plan with roles/addon: one AddonRole per server, its files once, the setup.sh hook too", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "hive-plan-addon-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(path.join(root, "examples/pdns"), dir, { recursive: true });
  mkdirSync(path.join(dir, "roles/addon/tasks"), { recursive: true });
  writeFileSync(path.join(dir, "roles/addon/tasks/main.yml"), "- ansible.builtin.debug:\n    msg: \"{{ domain }}\"\n");
  writeFileSync(path.join(dir, "roles/addon/setup.sh"), "echo hook\n");
  const res = runHive(["plan", "-s", "staging", "-i", path.join(dir, "inventory"), "--json"]);
  assert.equal(res.status, 0, res.stderr);
  const plan = JSON.parse(res.stdout) as JsonPlan;
  const units = plan.resources.filter((r) => r.type === "hive:host:AddonRole").map((r) => r.name);
  assert.deepEqual(units, ["pdns-addon-s-hive0", "pdns-addon-s-hive1", "pdns-addon-s-hive2", "pdns-addon-s-hive3"]);
  assert.equal(plan.resources.filter((r) => r.type === "hive:roles:AddonRoleFiles").length, 1);
  const run = plan.resources.find((r) => r.name === "pdns-addon-s-hive1-run")!;
  assert.match(String(run.inputs.create), /export HIVE_HOST='s-hive1\.pdns'/);
  assert.equal(String(run.inputs.stdin), "[secret]");
  assert.ok(run.dependsOn.includes("pdns-repository-ansible-venv"), run.dependsOn.join(" "));
  // An image build waits for the addon role of every server.
  const build = plan.resources.find((r) => r.name === "pdns-workloads-image-pdnsdb-build")!;
  for (const u of units) assert.ok(build.dependsOn.includes(`${u}-run`), `${u}-run not in ${build.dependsOn.join(" ")}`);
  // The shell hook is still a step of every server.
  assert.equal(plan.resources.filter((r) => r.type === "command:remote:Command" && /^pdns-s-hive\d-addon$/.test(r.name)).length, 4);
});
