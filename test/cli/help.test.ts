import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

test("bin/hive.js runs the CLI and prints its help", () => {
  const res = spawnSync(process.execPath, [join(__dirname, "../../bin/hive.js"), "--help"], { encoding: "utf8" });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /^Usage: hive/m);
});
