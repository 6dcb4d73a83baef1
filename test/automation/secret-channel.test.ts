// The secrets pipe between a program run and its runner: values arrive whole and in order, a large burst
// waits for room instead of failing, nothing is written without a pipe, and a pipe nobody reads stops the
// program instead of hanging it or dropping the values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { SecretPipe, SECRETS_PIPE_ENV } from "../../src/automation/secret-channel";
import { configSecrets } from "../../components/secret-report";
import { until } from "../helpers/until";

const CHANNEL = path.join(__dirname, "../../src/automation/secret-channel.ts");

/** 300 keys of 4.5 KB (a two-byte character in each pair, so that reads end inside one): 1.3 MB through a 64 KB pipe, which the runner empties only now and then. */
const KEYS = `Array.from({ length: 300 }, (_, i) => "-----BEGIN KEY " + i + "-----\\n" + "kä".repeat(1500) + "\\n-----END KEY-----\\n")`;

/** Runs `reportSecrets` in a process of its own (as the program does): the given batches, then KEYS one by one. */
function reporter(pipe: string | undefined, batches: string[][], keys = false): Promise<{ code: number | null; stderr: string }> {
  const script =
    `const { reportSecrets } = require(${JSON.stringify(CHANNEL)}); for (const b of ${JSON.stringify(batches)}) reportSecrets(b);` +
    (keys ? `for (const k of ${KEYS}) reportSecrets([k]);` : "");
  const env = { ...process.env, [SECRETS_PIPE_ENV]: pipe ?? "" };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

test("values written by the program arrive whole, once each, even when they fill the pipe many times over", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "hive-pipe-"));
  try {
    const pipe = new SecretPipe(dir);
    assert.deepEqual(pipe.drain(), [], "nothing before the program starts");
    const keys = Array.from({ length: 300 }, (_, i) => `-----BEGIN KEY ${i}-----\n${"kä".repeat(1500)}\n-----END KEY-----\n`);
    const done = reporter(pipe.path, [["pw-1", "pw-1", "pw-2"], ["pw-1"]], true);
    const got: string[] = [];
    let finished = false;
    void done.then(() => (finished = true));
    await until("the reporting program to finish", () => {
      got.push(...pipe.drain());
      return finished;
    }, 60_000);
    got.push(...pipe.drain());
    assert.equal((await done).code, 0, (await done).stderr);
    assert.deepEqual(got, ["pw-1", "pw-2", ...keys]);
    pipe.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without a pipe nothing is written; a pipe that nobody reads any more stops the program", async () => {
  assert.equal((await reporter(undefined, [["pw"]])).code, 0);
  const dir = mkdtempSync(path.join(tmpdir(), "hive-pipe-"));
  try {
    const pipe = new SecretPipe(dir);
    pipe.close();
    const orphaned = await reporter(pipe.path, [["pw"]]);
    assert.notEqual(orphaned.code, 0);
    assert.match(orphaned.stderr, /ENXIO/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the stack's secret config values, with what a JSON one holds; plain values are not secrets", () => {
  const config = {
    "hive:sshPrivateKey": "-----BEGIN KEY-----",
    "hive:inventory": "inventory",
    "aws:secretKey": "aws-secret",
    "hive:vars": JSON.stringify({ db: { password: "nested-pw" }, port: 5432 }),
  };
  const env = { PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["hive:sshPrivateKey", "aws:config:secretKey", "hive:vars"]) };
  assert.deepEqual(configSecrets(config, env).sort(), ["-----BEGIN KEY-----", "5432", "aws-secret", config["hive:vars"], "nested-pw"].sort());
  assert.deepEqual(configSecrets(config, {}), []);
  assert.deepEqual(configSecrets(config, { PULUMI_CONFIG_SECRET_KEYS: "not json" }), []);
});
