// The Pulumi program entry (src/index.ts) as the engine runs it: the stack is the stage, config from the stack.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runPlan } from "../../src/plan/run";

test("src/index.ts exports the stack outputs of the stage named by the stack", async () => {
  const plan = await runPlan({ stage: "production", config: { "hive:inventory": "examples/pdns/inventory", "hive:adminCidrs": ["203.0.113.0/24"] } }, async () => {
    const exported = require("../../src/index") as Promise<Record<string, unknown>>;
    return await exported;
  });
  const outputs = plan.outputs as { stage: string; provider: string; adminUser: string; servers: Record<string, unknown>; firewall: { sshSources: string[] } };
  assert.equal(outputs.stage, "production");
  assert.equal(outputs.provider, "azure");
  assert.equal(outputs.adminUser, "hiveadmin");
  assert.deepEqual(Object.keys(outputs.servers), ["hive0.pdns", "hive1.pdns", "hive2.pdns", "hive3.pdns"]);
  assert.deepEqual(outputs.firewall.sshSources, ["203.0.113.0/24"]);
  assert.equal(plan.resources.filter((r) => r.type === "azure-native:compute:VirtualMachine").length, 4);
});
