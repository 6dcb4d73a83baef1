// A one-server site (test/aws/fixtures/solo) on the real engine against the EC2 emulator: a zone the region
// lacks is refused before anything exists; staging is built through `hive build-infra` in the region's
// first zone, updated with nothing to do, destroyed; production refuses `hive destroy` and a plain
// `pulumi destroy` with nothing deleted, until hive:allowDestroyProduction is set and an update lifts it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectCopy, pulumi, pulumiOk, repoRoot } from "../e2e/harness";
import { awsEnv, awsMissingReason, ec2State, hive, realChanges, siteResources, tag } from "./harness";

const { env, stateDir, plugin } = awsEnv();
const missing = awsMissingReason(env);
console.log(missing ? `# one-server site on AWS skipped: ${missing}` : `# aws plugin: ${plugin}`);
const NOTHING = { vpcs: [], subnets: [], internetGateways: [], routeTables: [], securityGroups: [], keyPairs: [], instances: [], volumes: [], addresses: [], networkInterfaces: [] };

test("one-server site on the EC2 emulator", { skip: missing ?? false, timeout: 1_200_000 }, async (t) => {
  const dir = projectCopy();
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });
  cpSync(join(repoRoot, "test/aws/fixtures/solo/inventory"), join(dir, "solo/inventory"), { recursive: true });
  const hiveYml = join(dir, "solo/inventory/hive.yml");
  const original = readFileSync(hiveYml, "utf8");
  for (const stage of ["staging", "production"]) {
    pulumiOk(env, dir, ["stack", "init", stage]);
    pulumiOk(env, dir, ["config", "set", "-s", stage, "hive:inventory", "solo/inventory"]);
  }
  const stateUrns = (stage: string) =>
    (JSON.parse(pulumiOk(env, dir, ["stack", "export", "-s", stage]).stdout) as { deployment: { resources?: { urn: string }[] } }).deployment.resources?.map((r) => r.urn).sort() ?? [];

  await t.test("a zone the region does not offer is refused with the region's zones, before anything is created", () => {
    // us-west-2e: a plausible name (the plan assumes zones a to f) that this account's region lacks.
    writeFileSync(hiveYml, original.replace("    cidr: 10.20.0.0/24\n", "    cidr: 10.20.0.0/24\n    subnets:\n      - cidr: 10.20.0.0/24\n        name: only\n        available_zone: us-west-2e\n"));
    const run = hive(env, dir, ["build-infra", "-s", "staging"]);
    writeFileSync(hiveYml, original);
    assert.notEqual(run.status, 0, run.out);
    const message = "stage staging: region us-west-2 has no availability zone us-west-2e (subnet only); its available zones are us-west-2a, us-west-2b, us-west-2c, us-west-2d: set available_zone of the subnet to one of them";
    assert.ok(run.out.includes(message), run.out);
    assert.doesNotMatch(run.out, /error serializing property/);
    assert.deepEqual(siteResources(ec2State("us-west-2")), NOTHING);
  });

  await t.test("staging: one server in the region's first zone with its DRBD disk and Elastic IP", () => {
    const run = hive(env, dir, ["build-infra", "-s", "staging"]);
    assert.equal(run.status, 0, run.out);
    const s = ec2State("us-west-2");
    const vpc = s.vpcs.find((v) => !v.IsDefault);
    const subnets = s.subnets.filter((x) => x.VpcId === vpc?.VpcId);
    assert.deepEqual(subnets.map((x) => [tag(x.Tags, "Name"), x.CidrBlock, x.AvailabilityZone]), [["solo-default", "10.20.0.0/24", s.zones[0]]]);
    const instances = s.instances.filter((i) => i.State.Name !== "terminated");
    assert.deepEqual(instances.map((i) => [tag(i.Tags, "Name"), i.PrivateIpAddress, i.InstanceType, i.Placement.AvailabilityZone, i.State.Name]), [["s-hive0.solo", "10.20.0.4", "t3.medium", s.zones[0], "running"]]);
    const root = s.volumes.find((v) => v.VolumeId === instances[0].BlockDeviceMappings.find((m) => m.DeviceName === "/dev/sda1")?.Ebs.VolumeId);
    assert.equal(root?.Size, 12);
    const drbd = s.volumes.find((v) => tag(v.Tags, "Name") === "drbd s-hive0.solo");
    assert.deepEqual([drbd?.Size, drbd?.AvailabilityZone, drbd?.Attachments.map((a) => [a.InstanceId, a.Device])], [10, s.zones[0], [[instances[0].InstanceId, "/dev/sdb"]]]);
    // The Elastic IP is associated with the server's own network interface, the instance's primary one.
    const primary = instances[0].NetworkInterfaces.find((n) => n.Attachment.DeviceIndex === 0)?.NetworkInterfaceId;
    assert.deepEqual(s.addresses.map((a) => a.NetworkInterfaceId), [primary]);
    assert.deepEqual(s.networkInterfaces.filter((n) => n.NetworkInterfaceId === primary).map((n) => [n.PrivateIpAddress, tag(n.TagSet, "Name")]), [["10.20.0.4", "s-hive0.solo"]]);

    const again = hive(env, dir, ["build-infra", "-s", "staging"]);
    assert.equal(again.status, 0, again.out);
    assert.deepEqual(realChanges(again.out), {}, again.out);
    const destroy = hive(env, dir, ["destroy", "-s", "staging", "--yes"]);
    assert.equal(destroy.status, 0, destroy.out);
    assert.deepEqual(siteResources(ec2State("us-west-2")), NOTHING);
  });

  await t.test("production: hive destroy and a plain pulumi destroy are refused with nothing deleted", () => {
    const run = hive(env, dir, ["build-infra", "-s", "production"]);
    assert.equal(run.status, 0, run.out);
    const built = siteResources(ec2State("eu-west-1"));
    assert.equal(built.instances.length, 1);
    const urns = stateUrns("production");
    assert.ok(urns.some((u) => u.endsWith("::solo-infra-destroy-guard")), "build-infra created the fleet's destroy guard");

    const refused = hive(env, dir, ["destroy", "-s", "production", "--yes"]);
    assert.equal(refused.status, 1, refused.out);
    assert.match(refused.out, /refusing to destroy stage production: nothing was deleted/);

    const plain = pulumi(env, dir, ["destroy", "--yes", "--skip-preview", "-s", "production"]);
    assert.notEqual(plain.status, 0, plain.stdout);
    assert.match(`${plain.stdout}${plain.stderr}`, /solo-infra-destroy-guard.*protected|protected.*solo-infra-destroy-guard/s);
    assert.deepEqual(siteResources(ec2State("eu-west-1")), built);
    // The state keeps every resource; the engine may drop what only records how to reach the rest and is
    // made again, unchanged, by the next update: provider entries, the read of the previous outputs, and
    // components left without children. (A whole \`up\` creates the site-wide guard, which covers those too.)
    const after = stateUrns("production");
    const dropped = urns.filter((u) => !after.includes(u));
    const typeOf = (urn: string) => urn.split("::")[2].split("$").at(-1) as string;
    assert.deepEqual(
      dropped.filter((u) => !typeOf(u).startsWith("pulumi:providers:") && typeOf(u) !== "pulumi:pulumi:StackReference" && !typeOf(u).startsWith("hive:")),
      [],
    );
    assert.deepEqual(after.filter((u) => !urns.includes(u)), []);
    console.log(`# state entries a plain pulumi destroy dropped: ${dropped.map((u) => u.split("::").at(-1)).join(", ") || "none"}`);
  });

  await t.test("production with hive:allowDestroyProduction: an update lifts the protection, then destroy leaves nothing", () => {
    const set = hive(env, dir, ["set", "allowDestroyProduction", "true", "-s", "production"]);
    assert.equal(set.status, 0, set.out);
    const lift = hive(env, dir, ["build-infra", "-s", "production"]);
    assert.equal(lift.status, 0, lift.out);
    const destroy = hive(env, dir, ["destroy", "-s", "production", "--yes"]);
    assert.equal(destroy.status, 0, destroy.out);
    assert.deepEqual(siteResources(ec2State("eu-west-1")), NOTHING);
    assert.deepEqual(stateUrns("production"), []);
  });
});
