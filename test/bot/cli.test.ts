// `hive bot` as a process: listens on the given port, answers, and shuts down gracefully on SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as http from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { request, TOKENS } from "./helpers";

const HIVE = path.join(__dirname, "../../bin/hive.js");
const SCRIPTED = path.join(__dirname, "../../src/automation/scripted.ts");

test("hive bot hash-token hashes a token from stdin, or generates one", () => {
  const hashed = spawnSync(process.execPath, [HIVE, "bot", "hash-token", "--stdin"], { input: "my-token\n", encoding: "utf8" });
  assert.equal(hashed.status, 0, hashed.stderr);
  assert.equal(hashed.stdout, `sha256:${createHash("sha256").update("my-token").digest("hex")}\n`);
  const fresh = spawnSync(process.execPath, [HIVE, "bot", "hash-token"], { encoding: "utf8" });
  const m = /^token: (\S+)\nhash: (sha256:[0-9a-f]{64})\n$/.exec(fresh.stdout);
  assert.ok(m, fresh.stdout);
  assert.equal(m[2], `sha256:${createHash("sha256").update(m[1]).digest("hex")}`);
});

test("hive bot without --config explains what it needs", () => {
  const res = spawnSync(process.execPath, [HIVE, "bot"], { encoding: "utf8" });
  assert.equal(res.status, 1);
  assert.equal(res.stderr, "hive: hive bot needs --config FILE (see docs/bot.md)\n");
});

test("hive bot --config serves on --port 0 and on SIGTERM cancels the running update and exits 0", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "hive-bot-cli-"));
  try {
    const config = {
      dataDir: "data",
      shutdownTimeoutSeconds: 0.3,
      runner: {
        module: SCRIPTED,
        options: {
          waitForAbort: ["up"],
          steps: { up: [{ output: "working" }] },
          callLog: path.join(dir, "calls.jsonl"),
          recordEnv: ["SLACK_SIGNING_SECRET", "HIVE_TEST_MARKER"],
        },
      },
      slack: { users: {} },
      tokens: [{ name: "alice", hash: `sha256:${createHash("sha256").update(TOKENS.alice).digest("hex")}`, stages: ["*"], actions: ["up"] }],
    };
    writeFileSync(path.join(dir, "bot.json"), JSON.stringify(config));
    const child = spawn(process.execPath, [HIVE, "bot", "--config", path.join(dir, "bot.json"), "--port", "0", "--host", "127.0.0.1"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, SLACK_SIGNING_SECRET: "cli-test-signing-secret", HIVE_TEST_MARKER: "1" },
    });
    let stderr = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk: string) => {
        stderr += chunk;
        const m = /"msg":"bot listening","url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr);
        if (m) resolve(m[1]);
      });
      child.on("exit", () => reject(new Error(`exited early: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const runId = (await request(url, "POST", "/stacks/staging/up", { token: TOKENS.alice })).json.runId as string;
    assert.match(runId, /^[0-9a-f-]{36}$/);
    // wait until the worker is really running the update (its first output line arrives)
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${url}/runs/${runId}/events`, { headers: { authorization: `Bearer ${TOKENS.alice}` } }, (res) => {
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (chunk.includes('"working"')) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on("error", (err) => (err.message === "socket hang up" ? undefined : reject(err)));
    });
    child.kill("SIGTERM");
    assert.equal(await exited, 0, stderr);
    const lines = stderr.trim().split("\n").map((l) => JSON.parse(l) as { msg: string; signal?: string });
    assert.ok(lines.some((l) => l.msg === "shutting down" && l.signal === "SIGTERM"));
    assert.ok(lines.some((l) => l.msg === "cancelling running updates"));
    assert.equal(lines.at(-1)?.msg, "bot stopped");
    const audit = readFileSync(path.join(dir, "data", "audit.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const result = audit.find((r) => r.kind === "result");
    assert.deepEqual([result?.runId, result?.status], [runId, "cancelled"]);
    assert.ok(!readFileSync(path.join(dir, "data", "audit.jsonl"), "utf8").includes(TOKENS.alice));
    assert.ok(!stderr.includes(TOKENS.alice));
    // the worker (and so the program) does not inherit the bot's Slack signing secret
    const upCall = readFileSync(path.join(dir, "calls.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { method: string; env?: string[] }).find((c) => c.method === "up");
    assert.deepEqual(upCall?.env, ["HIVE_TEST_MARKER"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
