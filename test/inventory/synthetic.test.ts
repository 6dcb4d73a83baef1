// The generated large inventory used by benchmarks loads in every stage with the expected shape.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSite } from "../../src/inventory";
import { generateSyntheticInventory } from "../fixtures/synthetic";

test("a generated 30-host, 300-service inventory loads in every stage", () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-synthetic-"));
  try {
    generateSyntheticInventory(dir, { hosts: 30, services: 300 });
    for (const stage of ["private", "staging", "production"] as const) {
      const site = loadSite({ inventoryDir: dir, stage, env: {} });
      assert.equal(site.hosts.length, 30, stage);
      assert.equal(site.services.length, 300, stage);
      assert.equal(site.volumes.length, 100, stage);
      assert.equal(site.volumes.filter((v) => v.kind === "drbd").length, stage === "private" ? 0 : 100, stage);
      assert.equal(new Set(site.hosts.map((h) => h.privateIp)).size, 30, stage);
      const auto = site.services.flatMap((s) => s.ports.filter((p) => !p.explicit));
      assert.equal(Object.keys(site.allocations.ports).length, 270 + 300, stage);
      assert.equal(new Set(auto.map((p) => p.published)).size, 270 + 300, stage);
    }
    const staging = loadSite({ inventoryDir: dir, stage: "staging", env: {} });
    assert.deepEqual(staging.firewall.tcp.slice(0, 3), [1000, 1010, 1020]);
    assert.deepEqual(staging.firewall.udp, []);
    assert.deepEqual(staging.hosts.slice(0, 4).map((h) => [h.name, h.privateIp, h.availabilityZone]), [
      ["s-hive0.synthetic", "10.20.0.5", "ap-northeast-1a"],
      ["s-hive1.synthetic", "10.20.1.5", "ap-northeast-1c"],
      ["s-hive2.synthetic", "10.20.2.5", "ap-northeast-1d"],
      ["s-hive3.synthetic", "10.20.0.6", "ap-northeast-1a"],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
