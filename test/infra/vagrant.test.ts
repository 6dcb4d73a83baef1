// The vagrant fleet: the rendered Vagrantfile (snapshot) and the local command that runs vagrant.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { vagrantSite } from "../helpers/site-fixture";
import { planSite, type PlanView } from "../helpers/plan";
import { prefixToNetmask, renderVagrantfile } from "../../components/infra/vagrant";

test("Vagrantfile for two servers matches the snapshot", () => {
  const expected = fs.readFileSync(path.join(__dirname, "__snapshots__", "vagrant-private-2hosts.Vagrantfile"), "utf8");
  assert.equal(renderVagrantfile(vagrantSite({ hosts: 2, cpus: 2 }), "ssh-rsa AAAAtest hive\n"), expected);
});

test("a bridged stage uses public_network on the bridge; no DRBD disk without mirrored_disk_size", () => {
  const site = vagrantSite({ mirroredDiskSize: null });
  const text = renderVagrantfile({ ...site, spec: { ...site.spec, bridge: "en0" } }, "ssh-rsa K");
  assert.ok(text.includes('node.vm.network "public_network", bridge: "en0", ip: "192.168.56.4", netmask: "255.255.255.224"'));
  assert.ok(!text.includes("createhd"));
  assert.ok(!text.includes("lv.storage"));
});

test("netmasks from prefix lengths", () => {
  assert.deepEqual([0, 8, 24, 27, 32].map(prefixToNetmask), ["0.0.0.0", "255.0.0.0", "255.255.255.0", "255.255.255.224", "255.255.255.255"]);
});

let view: PlanView;
test("the fleet writes the Vagrantfile into the context dir and runs vagrant up; delete destroys", async () => {
  view = await planSite(vagrantSite(), { contextDir: "/project/.hive/private" });
  const [cmd] = view.byType("command:local:Command");
  assert.equal(cmd.name, "pdns-vagrant-machines");
  assert.equal(view.parentName(cmd), "pdns-vagrant");
  const env = cmd.inputs.environment as Record<string, string>;
  assert.equal(env.HIVE_CONTEXT_DIR, "/project/.hive/private");
  assert.equal(env.HIVE_HALTED, "false");
  assert.ok(env.HIVE_VAGRANTFILE.includes('config.vm.define "p-hive0"'));
  assert.ok(String(cmd.inputs.create).includes("vagrant up"));
  assert.ok(String(cmd.inputs.delete).includes("vagrant destroy -f"));
  assert.equal(cmd.inputs.triggers, undefined);
  const outputs = view.plan.outputs as { servers: Record<string, { publicIp: string }> };
  assert.deepEqual(Object.keys(outputs.servers), ["p-hive0.pdns"]);
  assert.equal(outputs.servers["p-hive0.pdns"].publicIp, "192.168.56.4");
});
