// A 30-server AWS stage (no inventory subnets) planned under mocks: every server gets its resources, and the
// time and memory it takes are printed (SPEC §10 budget for a 30-host site: < 20 s, < 1 GiB).
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSite } from "../helpers/site-fixture";
import { planSite } from "../helpers/plan";
import { renderTree } from "../../src/plan/render";

test("30 hosts: 30 instances, EIPs and states, 29 DRBD volumes, within budget", async (t) => {
  const wall = Date.now();
  const cpu = process.cpuUsage();
  const site = buildSite({ hosts: 30, subnets: null, cidr: "10.20.0.0/16", firewall: { tcp: Array.from({ length: 40 }, (_, i) => 8000 + i), udp: [53] } });
  const view = await planSite(site);
  const tree = renderTree(view.plan);
  const used = process.cpuUsage(cpu);
  const ms = Date.now() - wall;
  t.diagnostic(`plan of 30 hosts: ${ms} ms wall, ${Math.round((used.user + used.system) / 1000)} ms cpu, ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB rss, ${view.all.length} registrations`);
  assert.equal(view.byType("aws:ec2/instance:Instance").length, 30);
  assert.equal(view.byType("aws:ec2/eip:Eip").length, 30);
  assert.equal(view.byType("aws:ec2transitgateway/instanceState:InstanceState").length, 30);
  assert.equal(view.byType("aws:ebs/volume:Volume").length, 29);
  const ips = view.byType("aws:ec2/networkInterface:NetworkInterface").map((i) => String((i.inputs.privateIps as string[])[0]));
  assert.equal(new Set(ips).size, 30);
  assert.ok(ips.includes("10.20.0.4") && ips.includes("10.20.0.33"));
  assert.equal((view.get("aws:ec2/securityGroup:SecurityGroup", "pdns-aws-sg").inputs.ingress as unknown[]).length, 1 + 1 + 40 + 1);
  assert.ok(tree.includes("pdns-aws-s-hive29"));
  assert.ok(ms < 20000, `took ${ms} ms`);
});
