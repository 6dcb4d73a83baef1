// urnsFromPlan: the URNs the program will create, from `hive plan --json` resources.
import { test } from "node:test";
import assert from "node:assert/strict";
import { urnsFromPlan } from "../../src/cli/stack-access";
import { selectTargets } from "../../src/cli/phases";

test("URNs from parent URNs, parent names, or given URNs; the stack is not part of the type chain", () => {
  const stack = "urn:pulumi:staging::hive::pulumi:pulumi:Stack::hive-staging";
  const urns = urnsFromPlan("staging", [
    { type: "hive:services:Service", name: "powerdns", parent: stack },
    { type: "docker:index/service:Service", name: "powerdns-service", parent: "urn:pulumi:staging::hive::hive:services:Service::powerdns" },
    { type: "hive:volumes:DrbdVolume", name: "pdnsdb_data", parent: null },
    { type: "command:remote:Command", name: "pdnsdb_data-resource", parent: "pdnsdb_data" },
    { type: "hive:infra:AwsInfra", name: "pdns", urn: "urn:pulumi:staging::hive::hive:infra:AwsInfra::pdns" },
  ]);
  assert.deepEqual(urns, [
    "urn:pulumi:staging::hive::hive:services:Service::powerdns",
    "urn:pulumi:staging::hive::hive:services:Service$docker:index/service:Service::powerdns-service",
    "urn:pulumi:staging::hive::hive:volumes:DrbdVolume::pdnsdb_data",
    "urn:pulumi:staging::hive::hive:volumes:DrbdVolume$command:remote:Command::pdnsdb_data-resource",
    "urn:pulumi:staging::hive::hive:infra:AwsInfra::pdns",
  ]);
  assert.deepEqual(selectTargets(urns, "build-volumes", ["pdnsdb_data"]), [
    "urn:pulumi:staging::hive::hive:volumes:DrbdVolume$command:remote:Command::pdnsdb_data-resource",
    "urn:pulumi:staging::hive::hive:volumes:DrbdVolume::pdnsdb_data",
  ]);
});

test("a parent name shared by a component and a plain resource resolves to the component", () => {
  const urns = urnsFromPlan("private", [
    { type: "tls:index/privateKey:PrivateKey", name: "pdns-ca", parent: "pdns-ca" },
    { type: "hive:pki:Pki", name: "pdns-ca", parent: null },
  ]);
  assert.deepEqual(urns, [
    "urn:pulumi:private::hive::hive:pki:Pki$tls:index/privateKey:PrivateKey::pdns-ca",
    "urn:pulumi:private::hive::hive:pki:Pki::pdns-ca",
  ]);
});

test("plannedUrnsVia runs `<hive> plan -s S -i DIR --json` in a child process and reads its resources", async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { plannedResourcesVia } = await import("../../src/cli/stack-access");
  const dir = mkdtempSync(join(tmpdir(), "hive-plan-bin-"));
  const ok = join(dir, "ok.js");
  writeFileSync(
    ok,
    `const a = process.argv.slice(2);
if (a.join(" ") !== "plan -s staging -i /inv --json") { console.error("bad args " + a.join(" ")); process.exit(3); }
console.log(JSON.stringify({ resources: [{ type: "hive:networks:Networks", name: "nets", parent: null }, { type: "docker:index/network:Network", name: "nets-default", parent: "nets", dependsOn: ["nets", "gone"] }] }));`,
  );
  assert.deepEqual(await plannedResourcesVia(ok, dir)("staging", "/inv"), [
    { urn: "urn:pulumi:staging::hive::hive:networks:Networks::nets", dependsOn: [] },
    {
      urn: "urn:pulumi:staging::hive::hive:networks:Networks$docker:index/network:Network::nets-default",
      dependsOn: ["urn:pulumi:staging::hive::hive:networks:Networks::nets"],
    },
  ]);
  const failing = join(dir, "fail.js");
  writeFileSync(failing, `console.error("error: unknown command 'plan'"); process.exit(1);`);
  await assert.rejects(plannedResourcesVia(failing, dir)("staging", "/inv"), /^Error: hive plan failed: error: unknown command 'plan'$/);
});

test("planned URNs from the real `hive plan` of the pdns example (staging on AWS) select build-infra", async () => {
  const { join } = await import("node:path");
  const { plannedResourcesVia, HIVE_BIN } = await import("../../src/cli/stack-access");
  const root = join(__dirname, "../..");
  const urns = (await plannedResourcesVia(HIVE_BIN, root)("staging", join(root, "examples/pdns/inventory"))).map((r) => r.urn);
  assert.ok(urns.length > 0);
  assert.ok(urns.every((u) => u.startsWith("urn:pulumi:staging::hive::hive:site:Site")), urns.find((u) => !u.startsWith("urn:pulumi:staging::hive::hive:site:Site")));
  assert.equal(new Set(urns).size, urns.length, "URNs are unique");
  const infra = selectTargets(urns, "build-infra");
  assert.ok(infra.some((u) => /\$hive:infra:[A-Za-z]+\$aws:ec2\/instance:Instance::/.test(u)), infra.join("\n"));
  assert.ok(infra.every((u) => u.includes("$hive:infra:") || u.includes("$hive:pki:")));
});

test("resourcesFromPlan: a resource needs its parent (a component, not a same-named resource) and its dependencies", async () => {
  const { resourcesFromPlan } = await import("../../src/cli/stack-access");
  const planned = resourcesFromPlan("staging", [
    { type: "hive:pki:Pki", name: "ca", parent: null },
    { type: "tls:index/privateKey:PrivateKey", name: "ca", parent: "ca" },
    { type: "tls:index/selfSignedCert:SelfSignedCert", name: "ca-cert", parent: "ca", dependsOn: ["ca"] },
  ]);
  const pki = "urn:pulumi:staging::hive::hive:pki:Pki::ca";
  const key = "urn:pulumi:staging::hive::hive:pki:Pki$tls:index/privateKey:PrivateKey::ca";
  assert.deepEqual(planned, [
    { urn: pki, dependsOn: [] },
    { urn: key, dependsOn: [pki] },
    { urn: "urn:pulumi:staging::hive::hive:pki:Pki$tls:index/selfSignedCert:SelfSignedCert::ca-cert", dependsOn: [pki, key] },
  ]);
});
