import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { makeUrn, parseUrn, phaseTargets, selectTargets, type PlannedResource } from "../../src/cli/phases";

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

// URNs as the engine names them: the stack is not part of a chain; services live under Workloads.
const S = "hive:site:Site";
const W = `${S}$hive:services:Workloads`;
const real = (chain: string, name: string) => `urn:pulumi:staging::hive::${chain}::${name}`;
const site2 = {
  site: real(S, "pdns"),
  pki: real(`${S}$hive:pki:Pki`, "pdns-pki"),
  sshKey: real(`${S}$hive:pki:Pki$tls:index/privateKey:PrivateKey`, "pdns-pki-ssh"),
  host: real(`${S}$hive:host:HostSetup`, "pdns-s-hive0"),
  docker: real(`${S}$hive:host:HostSetup$command:remote:Command`, "pdns-s-hive0-docker"),
  secrets: real(`${S}$hive:site:Secrets`, "pdns-secrets"),
  password: real(`${S}$hive:site:Secrets$random:index/randomPassword:RandomPassword`, "pdns-secrets-registry_password"),
  registry: real(`${S}$hive:repository:RepositoryServer$command:remote:Command`, "pdns-repository-registry"),
  repository: real(`${S}$hive:repository:RepositoryServer`, "pdns-repository"),
  workloads: real(W, "pdns-workloads"),
  provider: real(`${W}$pulumi:providers:docker`, "pdns-workloads-docker-s-hive0"),
  web: real(`${W}$hive:services:SwarmService`, "pdns-workloads-service-web"),
  webService: real(`${W}$hive:services:SwarmService$docker:index/service:Service`, "pdns-workloads-service-web-service"),
  webBackup: real(`${W}$hive:services:RepositoryFile`, "pdns-workloads-backup-web"),
  build: real(`${W}$hive:images:ImageBuild`, "pdns-workloads-image-web"),
};
// Dependencies as `resourcesFromPlan` gives them: the plan's dependsOn, the parent and the provider.
const planned2: PlannedResource[] = [
  { urn: site2.site, dependsOn: [] },
  { urn: site2.pki, dependsOn: [site2.site] },
  { urn: site2.sshKey, dependsOn: [site2.pki] },
  { urn: site2.host, dependsOn: [site2.site] },
  { urn: site2.docker, dependsOn: [site2.sshKey, site2.host] },
  { urn: site2.secrets, dependsOn: [site2.site] },
  { urn: site2.password, dependsOn: [site2.secrets] },
  { urn: site2.repository, dependsOn: [site2.site] },
  { urn: site2.registry, dependsOn: [site2.docker, site2.password, site2.sshKey, site2.repository] },
  { urn: site2.workloads, dependsOn: [site2.site] },
  { urn: site2.provider, dependsOn: [site2.sshKey, site2.workloads] },
  { urn: site2.build, dependsOn: [site2.registry, site2.workloads] },
  { urn: site2.web, dependsOn: [site2.workloads] },
  { urn: site2.webService, dependsOn: [site2.registry, site2.build, site2.web, site2.provider] },
  { urn: site2.webBackup, dependsOn: [site2.registry, site2.workloads] },
];

test("deploy-services -l web: the SwarmService under Workloads is the unit, not Workloads; images stay out", () => {
  const urns = planned2.map((r) => r.urn);
  assert.deepEqual(selectTargets(urns, "deploy-services", ["web"]), [site2.webBackup, site2.webService, site2.web].sort());
  assert.deepEqual(selectTargets(urns, "build-images"), [site2.build]);
  assert.ok(!selectTargets(urns, "deploy-services").includes(site2.build));
});

test("a phase on a new stack targets its parents and the support it needs, nothing more (never the stack)", () => {
  const infra = phaseTargets(planned2, [], "build-infra");
  assert.deepEqual(infra.missing, []);
  // The site component joins, and every provider with its parent (the engine configures them all); the
  // secrets are not needed yet.
  assert.deepEqual(infra.targets, [site2.pki, site2.sshKey, site2.site, site2.workloads, site2.provider].sort());
  const hosts = phaseTargets(planned2, infra.targets, "setup-hosts");
  assert.deepEqual(hosts.missing, []);
  // The registry step needs the registry password, so the secrets join now.
  assert.deepEqual(
    hosts.targets,
    [site2.site, site2.host, site2.docker, site2.repository, site2.registry, site2.secrets, site2.password, site2.workloads, site2.provider].sort(),
  );
  const services = phaseTargets(planned2, [...infra.targets, ...hosts.targets, site2.build], "deploy-services");
  assert.deepEqual(services.missing, []);
  // A service needs its docker provider.
  assert.ok(services.targets.includes(site2.provider) && services.targets.includes(site2.workloads));
  assert.ok(!services.targets.includes(site2.build));
});

test("a phase whose dependencies of an earlier phase do not exist says so instead of starting", () => {
  const early = phaseTargets(planned2, [site2.site, site2.pki, site2.sshKey], "deploy-services", ["web"]);
  assert.deepEqual(
    early.missing.map((m) => [m.urn, m.phase]),
    [
      [site2.registry, "setup-hosts"],
      [site2.build, "build-images"],
    ],
  );
  const later = phaseTargets(planned2, planned2.map((r) => r.urn).filter((u) => u !== site2.webService), "deploy-services", ["web"]);
  assert.deepEqual(later.missing, []);
  assert.ok(later.targets.includes(site2.webService) && later.targets.includes(site2.provider));
});

test("property: -l selects what a scan of every candidate owner selects", () => {
  // The reference: for each resource, the longest name among units of its unit's type chain that is the
  // resource's name or a `<name>-` prefix of it.
  const unitChain = [...site, "hive:services:Workloads", "hive:services:SwarmService"];
  const reference = (all: string[], limit: string[]) =>
    all.filter((urn) => {
      const p = parseUrn(urn);
      if (p.typeChain[unitChain.length - 1] !== "hive:services:SwarmService") return false;
      const owners = all
        .map(parseUrn)
        .filter((o) => o.typeChain.join("$") === unitChain.join("$") && (p.name === o.name || p.name.startsWith(`${o.name}-`)))
        .map((o) => o.name)
        .sort((a, b) => b.length - a.length);
      const owner = owners[0] ?? "";
      return owner !== "" && limit.some((l) => owner === l || owner.endsWith(`-${l}`));
    });
  const word = fc.constantFrom("db", "admin", "svc", "web", "x");
  const name = fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join("-"));
  fc.assert(
    fc.property(fc.uniqueArray(name, { maxLength: 8 }), fc.array(name, { maxLength: 8 }), fc.array(word, { minLength: 1, maxLength: 2 }), (units, children, limit) => {
      const all = [
        ...units.map((n) => makeUrn("staging", "hive", unitChain, `service-${n}`)),
        ...children.map((n, i) => makeUrn("staging", "hive", [...unitChain, "docker:index/service:Service"], `service-${n}-${i}`)),
      ];
      assert.deepEqual(selectTargets(all, "deploy-services", limit), reference(all, limit).sort());
    }),
  );
});

test("a provider that waits for another phase's resource is reported by that resource, not by itself", () => {
  const waiting = planned2.map((r) => (r.urn === site2.provider ? { ...r, dependsOn: [...r.dependsOn, site2.docker] } : r));
  const infra = phaseTargets(waiting, [], "build-infra");
  assert.deepEqual(infra.missing.map((m) => [m.urn, m.phase, m.neededBy]), [[site2.docker, "setup-hosts", site2.provider]]);
  assert.ok(!infra.targets.includes(site2.provider));
});
