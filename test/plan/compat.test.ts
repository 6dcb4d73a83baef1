// `hive plan` of hive-builder's own pdns inventory, read unchanged from the shared folder beside the repository
// (HIVE_COMPAT_INVENTORY overrides), for every stage. That inventory comes without its roles/ folder: planning
// needs no role file, and the builds and initialisations whose roles are missing are planned as steps that fail
// with the missing roles' names when an update reaches them, announced by a warning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { runHive } from "../helpers/plan";

const root = path.join(__dirname, "../..");
const COMPAT = process.env.HIVE_COMPAT_INVENTORY ?? path.join(root, "../shared/compat/hive-builder-pdns/inventory");
const PRESENT = existsSync(path.join(COMPAT, "hive.yml"));

interface JsonPlan {
  resources: { type: string; name: string; inputs: Record<string, unknown> }[];
}

const BUILDS: Record<string, string[]> = {
  private: ["pdnsdb", "pdnsadmin", "configure"],
  staging: ["pdnsdb", "pdnsadmin", "configure", "certbot"],
  production: ["pdnsdb", "pdnsadmin", "configure", "certbot"],
};

for (const stage of ["private", "staging", "production"]) {
  test(`hive-builder's pdns inventory plans for ${stage} without its roles`, (t) => {
    if (!PRESENT) return t.skip(`hive-builder's example inventory not found at ${COMPAT} (set HIVE_COMPAT_INVENTORY)`);
    assert.ok(!existsSync(path.join(COMPAT, "..", "roles")), "the inventory is planned without a roles/ folder beside it");
    const res = runHive(["plan", "-s", stage, "-i", COMPAT, "--json"]);
    assert.equal(res.status, 0, res.stderr);
    const plan = JSON.parse(res.stdout) as JsonPlan;
    const rolesDir = path.join(COMPAT, "..", "roles");
    assert.match(res.stderr, new RegExp(`image of service pdnsdb: role "powerdns-initdb" is neither in ${rolesDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} nor a built-in role`));
    assert.match(res.stderr, /initialize_roles of service powerdns: role "powerdns-init" is neither in .* its initialisation fails until they exist/);

    // Each build is planned; its command fails with the names of the missing roles, the others run as usual.
    const builds = plan.resources.filter((r) => r.type === "command:remote:Command" && r.name.endsWith("-build"));
    assert.deepEqual(builds.map((r) => r.name.replace(/^pdns-workloads-image-|-build$/g, "")).sort(), [...BUILDS[stage]].sort());
    for (const b of builds) assert.match(String(b.inputs.create), /export HIVE_ERROR='image of service \S+: role "[a-z-]+" is neither in /);
    const init = plan.resources.find((r) => r.name === "pdns-workloads-init-powerdns-run");
    assert.match(String(init?.inputs.create), /export HIVE_ERROR='initialize_roles of service powerdns: role "powerdns-init" is neither in /);
    // The built-in role the inventory also names is found and uploaded.
    assert.ok(plan.resources.some((r) => r.name === "pdns-workloads-roles-python-aptk"));
  });
}
