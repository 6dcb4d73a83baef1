// The setup-hosts plan of the pdns example as loaded by the inventory layer (not a hand-built fixture).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSite } from "../../src/inventory";
import { hostSteps } from "../../components/host/steps";
import { swarmSteps } from "../../components/swarm/steps";
import { repositorySteps } from "../../components/repository/steps";

const EXAMPLE = join(__dirname, "../../examples/pdns/inventory");

test("pdns staging: steps per server, swarm and repository on the loaded site model", () => {
  const site = loadSite({ inventoryDir: EXAMPLE, stage: "staging", env: {}, contextDir: "/ctx" });
  const plan = site.hosts.map((h) => [h.name, hostSteps(site, h).map((s) => s.step).join(" ")]);
  const hive = "base hosts firewall tls docker drbd drbd-pool zabbix-agent";
  assert.deepEqual(plan, [
    ["s-hive0.pdns", hive],
    ["s-hive1.pdns", hive],
    ["s-hive2.pdns", hive],
    ["s-hive3.pdns", "base hosts firewall tls docker zabbix-agent"],
  ]);
  assert.equal(hostSteps(site, site.hosts[0])[0].env.HIVE_TIMEZONE, "Asia/Tokyo");
  const swarm = swarmSteps(site).map((s) => `${s.step}@${s.host}`);
  assert.ok(swarm.includes("init@s-hive0.pdns"));
  assert.ok(swarm.includes("join-s-hive2@s-hive2.pdns"));
  assert.ok(repositorySteps(site, { backupTool: "" }).every((s) => s.host === "s-hive3.pdns"));
});
