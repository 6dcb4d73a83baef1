// initialize_roles get the stage's Ansible inventory on the command's stdin, as a secret.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deployTestWorkloads, settle, startMocks, strings, unwrapSecrets } from "./mock-runtime";
import { stagingSite } from "../helpers/services-site-fixture";
import type { Site } from "../../src/inventory/model";

test("the init command of powerdns carries the inventory as a secret stdin, with the realised secrets", async () => {
  const records = await startMocks("staging");
  const base = stagingSite();
  const site: Site = {
    ...base,
    ansibleVars: {
      groups: { all: { domain: "example.com", db_password: { kind: "secret", parts: [{ secret: "db_password" }] } } },
      hosts: {},
      extra: {},
      builtins: { hive_name: "pdns", hive_stage: "staging" },
    },
  };
  await deployTestWorkloads(site, "s3cret-db");
  await settle(records);
  const run = records.get("e-init-powerdns-run");
  assert.ok(run, [...records.keys()].filter((k) => k.includes("init")).join(" "));
  const inputs = unwrapSecrets(run.inputs) as { stdin: { secret: string }; create: string };
  const [inventory, extra] = inputs.stdin.secret.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const all = (inventory as { all: { vars: Record<string, unknown>; children: Record<string, { hosts?: Record<string, unknown> }> } }).all;
  assert.equal(all.vars.db_password, "s3cret-db");
  assert.equal(all.vars.domain, "example.com");
  assert.deepEqual(Object.keys(all.children.hives.hosts!), ["s-hive0.pdns", "s-hive1.pdns", "s-hive2.pdns"]);
  assert.ok("powerdns" in all.children.services.hosts!);
  assert.deepEqual(extra, {});
  assert.match(inputs.create, /export HIVE_INVENTORY_STDIN='1'/);
  assert.ok(!strings(inputs.create).some((s) => s.includes("s3cret-db")));
});
