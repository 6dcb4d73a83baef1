// Mock-runtime test of setupHosts for three hives and a separate repository server.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { MOCK_RANDOM, MOCK_TOKEN, commands, get, recordChildren, recorded, secret, setMocks, settle, value } from "./mock-helpers";

setMocks("staging");

import { threeHivesAndRepoSite } from "../helpers/host-site-fixture";
import { setupHosts } from "../../components/host/setup-hosts";
import { hostSteps } from "../../components/host/steps";
import { swarmSteps } from "../../components/swarm/steps";
import { remoteCommand, scriptText } from "../../components/host/remote";
import { DIAL_ERROR_LIMIT, PER_DIAL_TIMEOUT } from "../../components/host/command";

const site = threeHivesAndRepoSite();
const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nSSH-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----";
const CA_KEY = "-----BEGIN PRIVATE KEY-----\nCA-KEY-MATERIAL\n-----END PRIVATE KEY-----";
const REGISTRY_PASSWORD = "registry-pw-Zq81";
const publicIp = (i: number) => `203.0.113.${10 + i}`;

const result = setupHosts(
  "site",
  {
    site,
    connections: Object.fromEntries(site.hosts.map((h, i) => [h.name, { host: publicIp(i), user: "admin", privateKey: SSH_KEY }])),
    ca: { certPem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----", keyPem: pulumi.secret(CA_KEY) },
    registryPassword: pulumi.secret(REGISTRY_PASSWORD),
  },
  { transformations: [recordChildren] },
);

const HIVES = ["s-hive0", "s-hive1", "s-hive2"];
const HOST_STEPS = ["base", "hosts", "ntp", "firewall", "tls", "docker", "zabbix-agent"];

test("components: a HostSetup per server, one SwarmCluster, one RepositoryServer", async () => {
  await settle();
  assert.deepEqual(Object.keys(result.hostSetups), ["s-hive0.pdns", "s-hive1.pdns", "s-hive2.pdns", "s-hive3.pdns"]);
  for (const short of [...HIVES, "s-hive3"]) assert.equal(get(`site-${short}`).type, "hive:host:HostSetup");
  assert.equal(get("site-swarm").type, "hive:swarm:SwarmCluster");
  assert.equal(get("site-repository").type, "hive:repository:RepositoryServer");
});

test("host steps: hives get DRBD and the pool, the repository server does not", async () => {
  await settle();
  const stepsOf = (short: string) =>
    commands()
      .filter((c) => c.parent === `site-${short}`)
      .map((c) => c.name.slice(`site-${short}-`.length));
  for (const short of HIVES) assert.deepEqual(stepsOf(short), [...HOST_STEPS.slice(0, 6), "drbd", "drbd-pool", "zabbix-agent"]);
  assert.deepEqual(stepsOf("s-hive3"), HOST_STEPS);
});

test("host steps: order within a server, nothing waits for another server (all in parallel)", async () => {
  await settle();
  assert.deepEqual(get("site-s-hive1-base").dependsOn, []);
  assert.deepEqual(get("site-s-hive1-docker").dependsOn, ["site-s-hive1-tls", "site-s-hive1-firewall", "site-s-hive1-hosts"]);
  assert.deepEqual(get("site-s-hive1-drbd-pool").dependsOn, ["site-s-hive1-drbd"]);
  for (const c of commands().filter((x) => x.parent !== null && /^site-s-hive\d$/.test(x.parent))) {
    for (const d of c.dependsOn) assert.ok(d.startsWith(`${c.parent}-`), `${c.name} waits for ${d}`);
  }
});

test("every command: connection to its server with a secret key and retries; no triggers, the text holds script and inputs", async () => {
  await settle();
  for (const h of site.hosts) {
    const planned = hostSteps(site, h);
    for (const p of planned) {
      const c = get(`site-${h.shortName}-${p.step}`);
      const conn = (await value(c.props.connection)) as Record<string, unknown>;
      assert.equal(conn.host, publicIp(h.index));
      assert.equal(conn.user, "admin");
      assert.equal(conn.dialErrorLimit, DIAL_ERROR_LIMIT);
      assert.equal(conn.perDialTimeout, PER_DIAL_TIMEOUT);
      assert.ok(await secret(c.props.connection), `${c.name}: connection not secret`);
      // A change of triggers replaces a command (new create, then old delete); a change of its text updates it.
      assert.equal(c.props.triggers, undefined, `${c.name} has triggers`);
      assert.equal(await value(c.props.addPreviousOutputInEnv), false);
      const env = p.step === "tls"
        ? { ...p.env, HIVE_CA_CERT: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----", HIVE_CERT: `-----BEGIN CERTIFICATE-----\nCERT-OF-site-${h.shortName}-tls-cert\n-----END CERTIFICATE-----\n` }
        : p.env;
      assert.equal(await value(c.props.create), remoteCommand(p.step, scriptText(p.kind), env, false));
    }
  }
});

test("certificates: a key, CSR (SAN = FQDN, private IP, 127.0.0.1) and CA-signed certificate per server", async () => {
  await settle();
  const csr = get("site-s-hive2-tls-csr");
  assert.equal(csr.type, "tls:index/certRequest:CertRequest");
  assert.deepEqual(await value(csr.props.dnsNames), ["s-hive2.pdns", "s-hive2", "localhost"]);
  assert.deepEqual(await value(csr.props.ipAddresses), ["192.168.0.6", "127.0.0.1"]);
  const cert = get("site-s-hive2-tls-cert");
  assert.ok(await secret(cert.props.caPrivateKeyPem));
  assert.deepEqual(await value(cert.props.allowedUses), ["key_encipherment", "digital_signature", "server_auth", "client_auth"]);
  const tls = get("site-s-hive2-tls");
  assert.ok(await secret(tls.props.stdin));
  const stdin = (await value(tls.props.stdin)) as string;
  const key = Buffer.from(stdin.replace(/^HIVE_KEY=/, "").trim(), "base64").toString("utf8");
  assert.match(key, /KEY-OF-site-s-hive2-tls-key/);
  assert.match((await value(tls.props.create)) as string, /CERT-OF-site-s-hive2-tls-cert/);
});

test("swarm: gwbridge on every hive, init on the first, join of the others with the token as a secret, labels", async () => {
  await settle();
  const swarm = commands()
    .filter((c) => c.parent === "site-swarm")
    .map((c) => c.name);
  assert.deepEqual(swarm, [
    "site-swarm-gwbridge-s-hive0",
    "site-swarm-gwbridge-s-hive1",
    "site-swarm-gwbridge-s-hive2",
    "site-swarm-init",
    "site-swarm-join-token",
    "site-swarm-join-s-hive1",
    "site-swarm-join-s-hive2",
    "site-swarm-labels-s-hive0",
    "site-swarm-labels-s-hive1",
    "site-swarm-labels-s-hive2",
    "site-swarm-follow-swarm-service-s-hive0",
    "site-swarm-follow-swarm-service-s-hive1",
    "site-swarm-follow-swarm-service-s-hive2",
  ]);
  const ready = (short: string) => [`site-${short}-ntp`, `site-${short}-docker`, `site-${short}-drbd-pool`, `site-${short}-zabbix-agent`];
  assert.deepEqual(get("site-swarm-gwbridge-s-hive1").dependsOn, ready("s-hive1"));
  assert.deepEqual(get("site-swarm-init").dependsOn, [...ready("s-hive0"), "site-swarm-gwbridge-s-hive0"]);
  assert.deepEqual(get("site-swarm-join-token").dependsOn, [...ready("s-hive0"), "site-swarm-init"]);
  assert.deepEqual(get("site-swarm-join-s-hive2").dependsOn, [...ready("s-hive2"), "site-swarm-init", "site-swarm-join-token", "site-swarm-gwbridge-s-hive2"]);
  assert.deepEqual(get("site-swarm-labels-s-hive2").dependsOn, [...ready("s-hive0"), "site-swarm-join-s-hive2"]);
  const daemon = get("site-swarm-follow-swarm-service-s-hive2");
  assert.deepEqual(daemon.dependsOn, [...ready("s-hive2"), "site-swarm-labels-s-hive2"]);
  assert.equal(((await value(daemon.props.connection)) as { host: string }).host, publicIp(2));
  assert.match((await value(daemon.props.create)) as string, /'HIVE_FSS_UNIT=\[Unit\]\n/);
  assert.equal(daemon.props.delete, undefined);

  const join = get("site-swarm-join-s-hive2");
  assert.equal(((await value(join.props.connection)) as { host: string }).host, publicIp(2));
  assert.ok(await secret(join.props.stdin));
  assert.equal(await value(join.props.stdin), `HIVE_JOIN_TOKEN=${Buffer.from(MOCK_TOKEN).toString("base64")}\n`);
  const token = get("site-swarm-join-token");
  assert.ok(token.opts.additionalSecretOutputs?.includes("stdout"));
  assert.equal(await value(token.props.logging), "stderr");
  const labels = get("site-swarm-labels-s-hive2");
  assert.equal(((await value(labels.props.connection)) as { host: string }).host, publicIp(0));
  assert.equal(labels.opts.deleteBeforeReplace, true);
  assert.match((await value(labels.props.create)) as string, /'HIVE_LABELS=hives hosts servers staging'/);
  assert.match((await value(labels.props.delete)) as string, /'HIVE_LABEL_MODE=remove'/);
  const planned = swarmSteps(site).find((p) => p.step === "init");
  assert.deepEqual(planned?.env, { HIVE_ADVERTISE_ADDR: "192.168.0.4", HIVE_INGRESS_SUBNET: "10.254.64.0/18", HIVE_INGRESS_GATEWAY: "10.254.64.1" });
});

test("repository: steps on the repository server after its host setup; registry password and Zabbix DB password on stdin", async () => {
  await settle();
  const repo = commands()
    .filter((c) => c.parent === "site-repository")
    .map((c) => c.name);
  assert.deepEqual(repo, ["site-repository-registry", "site-repository-zabbix", "site-repository-zabbix-hosts", "site-repository-rsyslog", "site-repository-backup-tools", "site-repository-ansible-venv"]);
  const ready = ["site-s-hive3-ntp", "site-s-hive3-docker", "site-s-hive3-zabbix-agent"];
  assert.deepEqual(get("site-repository-registry").dependsOn, ready);
  assert.deepEqual(get("site-repository-backup-tools").dependsOn, [...ready, "site-repository-registry", "site-repository-zabbix"]);
  assert.deepEqual(get("site-repository-zabbix-hosts").dependsOn, [...ready, "site-repository-zabbix"]);
  assert.deepEqual(get("site-repository-ansible-venv").dependsOn, ready);
  const registry = get("site-repository-registry");
  assert.equal(((await value(registry.props.connection)) as { host: string }).host, publicIp(3));
  assert.equal(await value(registry.props.stdin), `HIVE_REGISTRY_PASSWORD=${Buffer.from(REGISTRY_PASSWORD).toString("base64")}\n`);
  assert.match((await value(registry.props.delete)) as string, /'HIVE_MODE=down'/);
  assert.equal(await value(get("site-repository-zabbix").props.stdin), `HIVE_ZABBIX_DB_PASSWORD=${Buffer.from(MOCK_RANDOM).toString("base64")}\n`);
  assert.equal(get("site-zabbix-db-password").type, "random:index/randomPassword:RandomPassword");
  assert.equal(result.repository.registry, result.repository.steps["registry"]);
});

test("secrets: every stdin and every secret trigger is a secret; no secret value in any command text", async () => {
  await settle();
  const secretValues = [SSH_KEY, CA_KEY, REGISTRY_PASSWORD, MOCK_RANDOM, MOCK_TOKEN, "KEY-OF-"];
  const encoded = secretValues.map((s) => Buffer.from(s).toString("base64"));
  for (const c of commands()) {
    for (const field of ["create", "delete"]) {
      const text = ((await value(c.props[field])) as string | undefined) ?? "";
      for (const s of [...secretValues, ...encoded]) assert.ok(!text.includes(s), `${c.name}.${field} contains a secret`);
    }
    assert.ok(!(await secret(c.props.create)), `${c.name}: create should be plain (it holds no secret)`);
    // Changes run as updates that run create again (no replacement, so no delete command runs after a
    // changed create); no update text, which would be a second copy of the script in the state.
    assert.equal(c.props.update, undefined, `${c.name}: has an update text`);
    if (c.props.stdin !== undefined) assert.ok(await secret(c.props.stdin), `${c.name}: stdin not secret`);
  }
  assert.equal(recorded.size > 40, true);
});
