// A ledger imported into the stack config (hive:allocations, e.g. from hive-builder's persistents.yml) is the
// previous ledger of the first update: its numbers are kept, new volumes and ports get free ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSite } from "../../src/inventory";
import { runPlan } from "../../src/plan/run";
import { main } from "../../src/program";

const root = join(__dirname, "../..");

test("the imported ledger keeps its numbers and the stored ledger adds the new ones", async () => {
  const imported = { ports: { legacy8080: 61005 }, minors: { pdnsdb_data: 7, proxy_config: 1 } };
  const plan = await runPlan(
    { stage: "staging", config: { "hive:inventory": "examples/pdns/inventory", "hive:allocations": imported } },
    () => main(loadSite, root),
  );
  assert.deepEqual(plan.outputs.allocations, {
    ports: { legacy8080: 61005 },
    minors: { letsencrypt_data: 3, pdnsadmin_data: 2, pdnsdb_data: 7, proxy_config: 1 },
  });
  const volume = plan.resources.find((r) => r.name === "pdns-workloads-volume-pdnsdb_data-s-hive0-volume");
  assert.deepEqual((volume?.inputs.driverOpts as Record<string, string>).device, "/dev/drbd7");
});
