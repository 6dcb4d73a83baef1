// Mock-runtime test of setupHosts for three hives, the last also the repository server, on prepared
// servers (no mirrored disk size given), with the project's addon hook.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { commands, get, recordChildren, setMocks, settle, value } from "./mock-helpers";

setMocks("production");

import { colocatedRepoSite } from "../helpers/host-site-fixture";
import { setupHosts } from "../../components/host/setup-hosts";

const site = colocatedRepoSite();
const ADDON = "#!/bin/bash\necho addon\n";
setupHosts(
  "prod",
  {
    site,
    connections: Object.fromEntries(site.hosts.map((h) => [h.name, { host: h.privateIp, user: "admin", privateKey: "K" }])),
    ca: { certPem: "CA", keyPem: "CAKEY" },
    registryPassword: pulumi.secret("pw"),
    addonScript: ADDON,
  },
  { transformations: [recordChildren] },
);

test("co-located: every server is a hive with DRBD (prepared servers) and the addon hook", async () => {
  await settle();
  for (const short of ["hive0", "hive1", "hive2"]) {
    const steps = commands()
      .filter((c) => c.parent === `prod-${short}`)
      .map((c) => c.name.slice(`prod-${short}-`.length));
    assert.deepEqual(steps, ["base", "hosts", "firewall", "tls", "docker", "drbd", "drbd-pool", "zabbix-agent", "addon"]);
  }
  assert.deepEqual(get("prod-hive1-addon").dependsOn, ["prod-hive1-hosts", "prod-hive1-docker"]);
  const addon = (await value(get("prod-hive1-addon").props.create)) as string;
  assert.match(addon, /'HIVE_ADDON_SCRIPT=#!\/bin\/bash\necho addon\n'/);
  assert.match(addon, /'HIVE_GROUPS=hives production servers'/);
});

test("co-located: the repository steps and the swarm both run on hive2; its labels include repository", async () => {
  await settle();
  const ready = ["prod-hive2-drbd-pool", "prod-hive2-zabbix-agent", "prod-hive2-addon"];
  assert.deepEqual(get("prod-repository-registry").dependsOn, ready);
  assert.equal(((await value(get("prod-repository-registry").props.connection)) as { host: string }).host, "192.168.0.6");
  assert.deepEqual(get("prod-swarm-join-hive2").dependsOn, [...ready, "prod-swarm-init", "prod-swarm-join-token", "prod-swarm-gwbridge-hive2"]);
  assert.match((await value(get("prod-swarm-labels-hive2").props.create)) as string, /'HIVE_LABELS=hives hosts production repository servers'/);
  assert.match((await value(get("prod-repository-zabbix-hosts").props.create)) as string, /hive2.pdns 192.168.0.6 hives,repository/);
  assert.match((await value(get("prod-hive2-firewall").props.create)) as string, /--dports 10514 .*hive-syslog /);
  assert.doesNotMatch((await value(get("prod-hive1-firewall").props.create)) as string, /hive-syslog/);
});
