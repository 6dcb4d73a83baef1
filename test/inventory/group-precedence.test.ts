// group_vars precedence as Ansible applies it to hive-builder's group tree, checked against real Ansible:
// ansible-inventory computes the variables of a hive, the repository server and a service pseudo-host from the
// same group_vars, and hive's variable model must pick the same definition for each.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ProblemList } from "../../src/inventory/errors";
import { ansibleGroupOrder, readInventoryVariables } from "../../src/inventory/load-variables";
import type { Stage } from "../../src/inventory/model";

const BIN = process.env.HIVE_ANSIBLE_PLAYBOOK ? dirname(process.env.HIVE_ANSIBLE_PLAYBOOK) : join(homedir(), ".cache/hive-ansible/venv/bin");
const INVENTORY_CMD = join(BIN, "ansible-inventory");

test("Ansible's order of hive-builder's groups: depth, then name", () => {
  assert.deepEqual(ansibleGroupOrder(["hives", "servers", "staging", "first_hive", "hosts", "all"]), ["all", "first_hive", "hosts", "staging", "servers", "hives"]);
  assert.deepEqual(ansibleGroupOrder(["all", "services", "private"]), ["all", "private", "services"]);
  assert.deepEqual(ansibleGroupOrder(["all", "services", "staging"]), ["all", "services", "staging"]);
});

for (const stage of ["private", "staging"] as const) {
  test(`group_vars precedence for a hive, the repository and a service (${stage}) is Ansible's`, (t) => {
    if (!existsSync(INVENTORY_CMD)) return t.skip(`ansible-inventory not found at ${INVENTORY_CMD} (pip install ansible-core into ~/.cache/hive-ansible/venv)`);
    const dir = mkdtempSync(join(tmpdir(), "hive-precedence-"));
    try {
      const groups = ["all", "hosts", "servers", "hives", "repository", "first_hive", "services", stage];
      mkdirSync(join(dir, "group_vars"));
      // Each variable is defined by a different set of groups, so every pair of groups is compared somewhere.
      const vars: Record<string, string[]> = {};
      groups.forEach((g, i) => {
        for (let j = 0; j < groups.length; j++) if ((j >> (i % 3)) & 1 || i === j) (vars[g] ??= []).push(`v${j}`);
      });
      for (const g of groups) writeFileSync(join(dir, "group_vars", `${g}.yml`), vars[g].map((v) => `${v}: ${g}`).join("\n") + "\n");
      const hive = "h0.x";
      const repo = "h1.x";
      writeFileSync(
        join(dir, "hosts.yml"),
        [
          "all:",
          "  children:",
          "    hosts:",
          "      children:",
          "        servers:",
          "          children:",
          `            hives: {hosts: {${hive}: {}}}`,
          `            repository: {hosts: {${repo}: {}}}`,
          `    first_hive: {hosts: {${hive}: {}}}`,
          "    services: {hosts: {web: {}}}",
          `    ${stage}: {hosts: {${hive}: {}, ${repo}: {}, web: {}}}`,
          "",
        ].join("\n"),
      );
      const ansible = (host: string) => {
        const r = spawnSync(INVENTORY_CMD, ["-i", join(dir, "hosts.yml"), "--host", host], { encoding: "utf8", env: { PATH: process.env.PATH, HOME: dir, ANSIBLE_HOME: join(dir, ".ansible") } });
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout) as Record<string, string>;
      };
      const hiveVars = readInventoryVariables(dir, stage as Stage, {}, new ProblemList());
      const raw = (m: Map<string, { raw: unknown }>) => Object.fromEntries([...m].map(([k, v]) => [k, v.raw]));
      const pick = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => /^v\d+$/.test(k)).sort());
      assert.deepEqual(pick(raw(hiveVars.hostDefs(hive, ["first_hive", "hives", "servers", stage]))), pick(ansible(hive)), "hive");
      assert.deepEqual(pick(raw(hiveVars.hostDefs(repo, ["repository", "servers", stage]))), pick(ansible(repo)), "repository");
      assert.deepEqual(pick(raw(hiveVars.serviceDefs())), pick(ansible("web")), "service");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
