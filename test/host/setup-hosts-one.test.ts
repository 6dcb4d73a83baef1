// Mock-runtime test of setupHosts for a single server that is hive, first hive and repository.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { commands, get, recordChildren, secret, setMocks, settle, value } from "./mock-helpers";

setMocks("private");

import { oneHostSite } from "../helpers/host-site-fixture";
import { setupHosts } from "../../components/host/setup-hosts";

const site = oneHostSite();
setupHosts(
  "p",
  {
    site,
    connections: { "p-hive0.pdns": { host: "127.0.0.1", user: "root", privateKey: "SSH-KEY" } },
    ca: { certPem: "CA-CERT", keyPem: "CA-KEY" },
    registryPassword: pulumi.secret("reg-pw"),
    zabbixDbPassword: pulumi.secret("zbx-db-pw"),
  },
  { transformations: [recordChildren] },
);

test("one server: every host step, a one-node swarm without join, the repository on the same server", async () => {
  await settle();
  assert.deepEqual(
    commands().map((c) => c.name),
    [
      "p-p-hive0-base",
      "p-p-hive0-hosts",
      "p-p-hive0-firewall",
      "p-p-hive0-tls",
      "p-p-hive0-docker",
      "p-p-hive0-drbd",
      "p-p-hive0-drbd-pool",
      "p-p-hive0-zabbix-agent",
      "p-swarm-init",
      "p-swarm-labels-p-hive0",
      "p-swarm-follow-swarm-service-p-hive0",
      "p-repository-registry",
      "p-repository-zabbix",
      "p-repository-zabbix-hosts",
      "p-repository-rsyslog",
      "p-repository-backup-tools",
      "p-repository-ansible-venv",
    ],
  );
});

test("one server: no internal_cidr means no gwbridge or ingress; labels include repository and first_hive", async () => {
  await settle();
  const ready = ["p-p-hive0-docker", "p-p-hive0-drbd-pool", "p-p-hive0-zabbix-agent"];
  assert.deepEqual(get("p-swarm-init").dependsOn, ready);
  const init = (await value(get("p-swarm-init").props.create)) as string;
  assert.match(init, /'HIVE_ADVERTISE_ADDR=192.168.56.4'/);
  assert.doesNotMatch(init, /'HIVE_INGRESS_SUBNET=/);
  assert.match((await value(get("p-swarm-labels-p-hive0").props.create)) as string, /'HIVE_LABELS=first_hive hives hosts private repository servers'/);
  assert.deepEqual(get("p-repository-registry").dependsOn, ready);
});

test("one server: root login runs without sudo; the docker drop-in uses the default --bip", async () => {
  await settle();
  const docker = (await value(get("p-p-hive0-docker").props.create)) as string;
  assert.ok(docker.startsWith("env 'HIVE_STEP=docker' "), docker.slice(0, 40));
  assert.match(docker, /ExecStart=dockerd --bip=172.17.128.1\/16/);
  assert.ok(await secret(get("p-p-hive0-base").props.connection));
  // The Zabbix DB password was given, so none is generated.
  assert.equal(get("p-zabbix-db-password", true), null);
});
