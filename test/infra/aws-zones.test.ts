// Zones named by the inventory are checked against the region's before anything is created; subnets
// without one take the region's zones in turn. (The plan's mocks offer zones a to f in every region.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { awsSubnetZones } from "../../components/infra/aws";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "../..");

const TOKYO = ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"];
const subnet = (name: string, zone: string | null, zoneIndex: number) => ({ name, cidr: "10.0.0.0/26", zone, zoneIndex });

test("inventory zones are kept; subnets without one take the region's zones in turn", () => {
  const plan = { region: "ap-northeast-1", subnets: [subnet("a", "ap-northeast-1d", 0), subnet("b", null, 1), subnet("c", null, 2), subnet("d", null, 3)] };
  assert.deepEqual(awsSubnetZones(plan, TOKYO), { a: "ap-northeast-1d", b: "ap-northeast-1c", c: "ap-northeast-1d", d: "ap-northeast-1a" });
});

test("a zone the region does not offer is refused with the region's zones listed", () => {
  const plan = { region: "ap-northeast-1", subnets: [subnet("subnet-a", "ap-northeast-1d", 0), subnet("subnet-b", "ap-northeast-1b", 1)] };
  assert.throws(() => awsSubnetZones(plan, TOKYO), {
    message:
      "region ap-northeast-1 has no availability zone ap-northeast-1b (subnet subnet-b); its available zones are ap-northeast-1a, ap-northeast-1c, ap-northeast-1d: set available_zone of the subnet to one of them",
  });
});

test("a region without available zones is refused", () => {
  assert.throws(() => awsSubnetZones({ region: "xx-none-1", subnets: [subnet("a", null, 0)] }, []), { message: "region xx-none-1 offers no available zone" });
});

test("`hive plan` of a stage naming a zone no region has fails with that one message, listing the zones it assumes", () => {
  // A child process: the failed plan leaves rejected registrations behind, which the runtime reports once.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-zones-"));
  try {
    fs.cpSync(path.join(ROOT, "examples/pdns"), dir, { recursive: true });
    const hiveYml = path.join(dir, "inventory/hive.yml");
    fs.writeFileSync(hiveYml, fs.readFileSync(hiveYml, "utf8").replace("available_zone: ap-northeast-1a", "available_zone: ap-northeast-1z"));
    const run = spawnSync(process.execPath, [path.join(ROOT, "bin/hive.js"), "plan", "-s", "staging", "-i", path.join(dir, "inventory")], { cwd: dir, encoding: "utf8" });
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.equal(
      run.stderr,
      "hive: stage staging: region ap-northeast-1 has no availability zone ap-northeast-1z (subnet subnet-b); its available zones are ap-northeast-1a, ap-northeast-1b, ap-northeast-1c, ap-northeast-1d, ap-northeast-1e, ap-northeast-1f: set available_zone of the subnet to one of them\n",
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
