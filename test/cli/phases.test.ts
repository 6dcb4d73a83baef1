import { test } from "node:test";
import assert from "node:assert/strict";
import { makeUrn, parseUrn, selectTargets } from "../../src/cli/phases";

const site = ["pulumi:pulumi:Stack", "hive:site:Site"];
const u = (chain: string[], name: string) => makeUrn("staging", "hive", [...site, ...chain], name);

// A recorded set of URNs shaped like the program's (site → phase components → children).
const urns = [
  makeUrn("staging", "hive", ["pulumi:pulumi:Stack"], "hive-staging"),
  u([], "pdns"),
  u(["hive:infra:AwsHostFleet"], "pdns-infra"),
  u(["hive:infra:AwsHostFleet", "aws:ec2/instance:Instance"], "pdns-infra-s-hive0"),
  u(["hive:pki:Pki"], "pdns-pki"),
  u(["hive:pki:Pki", "tls:index/privateKey:PrivateKey"], "pdns-pki-ssh"),
  u(["hive:host:HostSetup"], "s-hive0"),
  u(["hive:host:HostSetup", "command:remote:Command"], "s-hive0-docker"),
  u(["hive:swarm:SwarmCluster", "command:remote:Command"], "swarm-init"),
  u(["hive:images:ImageBuild"], "image-pdnsdb"),
  u(["hive:images:ImageBuild", "command:remote:Command"], "image-pdnsdb-build"),
  u(["hive:volumes:DrbdVolume"], "volume-pdnsdb_data"),
  u(["hive:volumes:DrbdVolume", "docker:index/volume:Volume"], "volume-pdnsdb_data-s-hive0"),
  u(["hive:networks:Networks", "docker:index/network:Network"], "net-hive_default_network"),
  u(["hive:services:SwarmService"], "service-powerdns"),
  u(["hive:services:SwarmService", "docker:index/service:Service"], "service-powerdns-svc"),
  u(["hive:services:SwarmService"], "service-powerdns-admin"),
  u(["hive:services:SwarmService", "docker:index/service:Service"], "service-powerdns-admin-svc"),
  u(["hive:services:ServiceInit"], "init-powerdns"),
  u(["hive:services:ServiceInit", "command:remote:Command"], "init-powerdns-run"),
];

test("parseUrn splits the type chain and the name", () => {
  const p = parseUrn(u(["hive:host:HostSetup", "command:remote:Command"], "s-hive0-docker"));
  assert.deepEqual(p.typeChain, [...site, "hive:host:HostSetup", "command:remote:Command"]);
  assert.equal(p.name, "s-hive0-docker");
  assert.throws(() => parseUrn("nope"), /not a Pulumi URN: nope/);
});

test("each phase targets exactly its components' subtrees", () => {
  const names = (phase: Parameters<typeof selectTargets>[1], limit?: string[]) =>
    selectTargets(urns, phase, limit).map((x) => parseUrn(x).name).sort();
  assert.deepEqual(names("build-infra"), ["pdns-infra", "pdns-infra-s-hive0", "pdns-pki", "pdns-pki-ssh"]);
  assert.deepEqual(names("setup-hosts"), ["s-hive0", "s-hive0-docker", "swarm-init"]);
  assert.deepEqual(names("build-images"), ["image-pdnsdb", "image-pdnsdb-build"]);
  assert.deepEqual(names("build-volumes"), ["volume-pdnsdb_data", "volume-pdnsdb_data-s-hive0"]);
  assert.deepEqual(names("build-networks"), ["net-hive_default_network"]);
  assert.deepEqual(names("deploy-services"), [
    "service-powerdns",
    "service-powerdns-admin",
    "service-powerdns-admin-svc",
    "service-powerdns-svc",
  ]);
  assert.deepEqual(names("initialize-services"), ["init-powerdns", "init-powerdns-run"]);
});

test("-l narrows to the named components and never matches a longer sibling's children", () => {
  const names = selectTargets(urns, "deploy-services", ["powerdns"]).map((x) => parseUrn(x).name);
  assert.deepEqual(names.sort(), ["service-powerdns", "service-powerdns-svc"]);
  const admin = selectTargets(urns, "deploy-services", ["powerdns-admin"]).map((x) => parseUrn(x).name);
  assert.deepEqual(admin.sort(), ["service-powerdns-admin", "service-powerdns-admin-svc"]);
  assert.deepEqual(selectTargets(urns, "deploy-services", ["nothing"]), []);
});

test("the stack and the site component are never targeted", () => {
  for (const phase of ["build-infra", "deploy-services"] as const) {
    const chains = selectTargets(urns, phase).map((x) => parseUrn(x).typeChain.at(-1));
    assert.ok(!chains.includes("pulumi:pulumi:Stack"));
    assert.ok(!chains.includes("hive:site:Site"));
  }
});
