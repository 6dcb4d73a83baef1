// Runs every planned step of a one-server site, in plan order, on one simulated machine, with the exact
// parameters the components send: the whole plan converges and a second pass changes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine } from "./harness";
import { oneHostSite } from "../helpers/host-site-fixture";
import { hostSteps, type StepPlan } from "../../components/host/steps";
import { swarmSteps } from "../../components/swarm/steps";
import { repositorySteps } from "../../components/repository/steps";
import { backupToolText } from "../../components/repository/repository-server";

const site = oneHostSite();
const host = site.hosts[0];
const SECRETS: Record<string, string> = {
  HIVE_KEY: "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----",
  HIVE_REGISTRY_PASSWORD: "reg-pw",
  HIVE_ZABBIX_DB_PASSWORD: "db-pw",
  HIVE_ZABBIX_ADMIN_PASSWORD: "zabbix",
};
const INPUTS: Record<string, string> = { HIVE_CA_CERT: "CA-PEM", HIVE_CERT: "CERT-PEM" };

const plan: StepPlan[] = [
  ...hostSteps(site, host, { addonScript: "#!/bin/bash\ntrue\n" }),
  ...swarmSteps(site),
  ...repositorySteps(site, { backupTool: backupToolText() }),
];

function runAll(m: Machine, os: string): string[] {
  const mutations: string[] = [];
  for (const step of plan) {
    const env = { ...step.env, ...Object.fromEntries(step.inputs.map((n) => [n, INPUTS[n]])) };
    const secrets = Object.fromEntries(step.secrets.map((n) => [n, SECRETS[n]]));
    const r = m.run(step.kind, env, secrets);
    assert.equal(r.status, 0, `${os} ${step.step}: ${r.stderr}\n${r.stdout}`);
    mutations.push(...r.mutations.map((x) => `${step.step}: ${x}`));
  }
  return mutations;
}

for (const os of ["el9", "ubuntu24"] as const) {
  test(`one-server site (${os}): every step in plan order converges; the second pass changes nothing`, () => {
    const m = new Machine(os);
    try {
      m.disk("/dev/sdb");
      assert.deepEqual(
        plan.map((s) => s.step),
        ["base", "hosts", "firewall", "tls", "docker", "drbd", "drbd-pool", "zabbix-agent", "addon", "init", "labels-p-hive0", "follow-swarm-service-p-hive0", "registry", "zabbix", "zabbix-hosts", "rsyslog", "backup-tools", "ansible-venv"],
      );
      const first = runAll(m, os);
      assert.ok(first.includes("init: docker swarm init --advertise-addr 192.168.56.4"), first.join("\n"));
      assert.ok(first.includes("labels-p-hive0: docker node update --label-add first_hive=true --label-add hives=true --label-add hosts=true --label-add private=true --label-add repository=true --label-add servers=true p-hive0"));
      assert.ok(first.includes("follow-swarm-service-p-hive0: systemctl enable follow-swarm-service.service"), first.join("\n"));
      assert.ok(first.includes("follow-swarm-service-p-hive0: systemctl start follow-swarm-service.service"));
      assert.ok(first.some((x) => x.startsWith("drbd-pool: vgcreate drbdvg /dev/sdb1")));
      assert.ok(first.includes("zabbix-hosts: zabbix-api host.create"));
      const before = m.fingerprint();
      assert.deepEqual(runAll(m, os), []);
      assert.equal(m.fingerprint(), before);
    } finally {
      m.cleanup();
    }
  });
}
