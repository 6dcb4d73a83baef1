import { test } from "node:test";
import assert from "node:assert/strict";
import { hostSteps, plan, wantsDrbd } from "../../components/host/steps";
import { checkOrder } from "../../components/host/host-setup";
import { followSwarmServiceEnv, swarmSteps } from "../../components/swarm/steps";
import { daemonSource, installScript, renderUnit } from "../../components/swarm/daemon";
import { remoteCommand, scriptText } from "../../components/host/remote";
import { ANSIBLE_VENV, ansibleVenvEnv, repositorySteps } from "../../components/repository/steps";
import { colocatedRepoSite, makeSite, oneHostSite, threeHivesAndRepoSite } from "../helpers/host-site-fixture";

test("hostSteps: optional steps appear only when configured", () => {
  const plain = threeHivesAndRepoSite().hosts[0];
  const configured = makeSite({
    hosts: 2,
    separateRepository: true,
    vars: { hive_users: { alice: { id_rsa_pub: "ssh-ed25519 A" } }, hive_http_proxy: "proxy:3128", hive_ntp_servers: ["a", "b"] },
  });
  assert.deepEqual(
    hostSteps(threeHivesAndRepoSite(), plain).map((s) => s.step),
    ["base", "hosts", "ntp", "firewall", "tls", "docker", "drbd", "drbd-pool", "zabbix-agent"],
  );
  const steps = hostSteps(configured, configured.hosts[0], { addonScript: "true" });
  assert.deepEqual(
    steps.map((s) => s.step),
    ["base", "hosts", "ntp", "firewall", "users", "tls", "docker", "drbd", "drbd-pool", "zabbix-agent", "addon"],
  );
  assert.equal(steps.find((s) => s.step === "ntp")?.env.HIVE_NTP_SERVERS, "a b");
  assert.match(steps[0].env.HIVE_ENVIRONMENT, /^http_proxy=http:\/\/proxy:3128$/m);
  assert.equal(steps[0].env.HIVE_TIMEZONE, "Asia/Tokyo");
  assert.equal(steps[0].env.HIVE_SELINUX, "permissive");
});

test("wantsDrbd: hives with a mirrored disk, or on servers hive did not create; never with hive_no_mirrored_device", () => {
  const aws = threeHivesAndRepoSite();
  assert.equal(wantsDrbd(aws, aws.hosts[0]), true);
  assert.equal(wantsDrbd(aws, aws.hosts[3]), false);
  const awsNoDisk = makeSite({ hosts: 2, separateRepository: false, mirroredDiskSize: null });
  assert.equal(wantsDrbd(awsNoDisk, awsNoDisk.hosts[0]), false);
  const prepared = colocatedRepoSite();
  assert.equal(wantsDrbd(prepared, prepared.hosts[2]), true);
  const off = makeSite({ hosts: 2, separateRepository: false, vars: { hive_no_mirrored_device: true } });
  assert.equal(wantsDrbd(off, off.hosts[0]), false);
});

test("checkOrder rejects a step that waits for an unknown or later step", () => {
  const a = plan({ step: "a", kind: "base", host: "h", env: {}, after: ["b"] });
  const b = plan({ step: "b", kind: "hosts", host: "h", env: {} });
  assert.throws(() => checkOrder([a, b]), /step a runs after unknown or later step b/);
  assert.doesNotThrow(() => checkOrder([b, a]));
});

test("swarmSteps: one server has no join; every site needs a first hive", () => {
  assert.deepEqual(
    swarmSteps(oneHostSite()).map((s) => s.step),
    ["init", "labels-p-hive0", "follow-swarm-service-p-hive0"],
  );
  const site = threeHivesAndRepoSite();
  const noFirst = { ...site, hosts: site.hosts.map((h) => ({ ...h, isFirstHive: false })) };
  assert.throws(() => swarmSteps(noFirst), /site pdns \(staging\) has no first hive/);
});

test("swarmSteps: the swarm extension daemon on every hive, on the hive itself, after that hive's labels", () => {
  const site = threeHivesAndRepoSite();
  const hives = site.hosts.filter((h) => h.isHive);
  const daemon = swarmSteps(site).filter((s) => s.kind === "follow-swarm-service");
  assert.deepEqual(
    daemon.map((s) => [s.step, s.host, s.after]),
    hives.map((h) => [`follow-swarm-service-${h.shortName}`, h.name, [`labels-${h.shortName}`]]),
  );
  assert.ok(!daemon.some((s) => s.host === site.hosts.find((h) => !h.isHive)?.name));
  for (const s of daemon) {
    assert.deepEqual(s.env, { HIVE_FSS_DAEMON: daemonSource(), HIVE_FSS_UNIT: renderUnit(), HIVE_FSS_INSTALL: installScript() });
    assert.deepEqual([s.secrets, s.inputs, s.deleteEnv], [[], [], null]);
  }
  assert.doesNotThrow(() => checkOrder(swarmSteps(site)));
});

test("follow-swarm-service: the command text covers the daemon, the unit and the install script; it fits one argument", () => {
  const env = followSwarmServiceEnv();
  const script = scriptText("follow-swarm-service");
  const step = "follow-swarm-service-s-hive0";
  const base = remoteCommand(step, script, env, false);
  for (const name of ["HIVE_FSS_DAEMON", "HIVE_FSS_UNIT", "HIVE_FSS_INSTALL"]) {
    assert.notEqual(remoteCommand(step, script, { ...env, [name]: `${env[name]}# edited\n` }, false), base, name);
  }
  assert.notEqual(remoteCommand(step, `${script}\n`, env, false), base);
  // sshd hands the command to the login shell as one argument: Linux caps one argument at 128 KiB.
  const length = Buffer.byteLength(base);
  assert.ok(length < 128 * 1024, `command is ${length} bytes`);
});

test("repositorySteps: on the repository server, secrets by name", () => {
  const steps = repositorySteps(threeHivesAndRepoSite(), { backupTool: "#!/bin/bash" });
  assert.deepEqual(
    steps.map((s) => [s.step, s.host, s.secrets.join(",")]),
    [
      ["registry", "s-hive3.pdns", "HIVE_REGISTRY_PASSWORD"],
      ["zabbix", "s-hive3.pdns", "HIVE_ZABBIX_DB_PASSWORD"],
      ["zabbix-hosts", "s-hive3.pdns", "HIVE_ZABBIX_ADMIN_PASSWORD"],
      ["rsyslog", "s-hive3.pdns", ""],
      ["backup-tools", "s-hive3.pdns", ""],
      ["ansible-venv", "s-hive3.pdns", ""],
    ],
  );
});

test("repositorySteps: the Ansible venv at ANSIBLE_VENV with the pinned ansible package (collections bundled)", () => {
  const site = threeHivesAndRepoSite();
  const venv = repositorySteps(site, { backupTool: "#!/bin/bash" }).find((s) => s.step === "ansible-venv");
  assert.equal(ANSIBLE_VENV, "/opt/hive/ansible");
  assert.deepEqual(venv?.after, []);
  assert.deepEqual(venv?.env, { HIVE_ANSIBLE_VENV: "/opt/hive/ansible", HIVE_ANSIBLE_VERSION: "11.13.0", HIVE_DOCKER_PY_VERSION: "7.1.0" });
  assert.deepEqual(venv?.env, ansibleVenvEnv());
});
