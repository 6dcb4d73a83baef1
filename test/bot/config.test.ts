import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadConfig, parseConfig } from "../../src/bot/config";

const HASH = "sha256:" + "a".repeat(64);
const token = { name: "ops", hash: HASH, stages: ["*"], actions: ["preview"] };

test("defaults: loopback, three stages, production needs approval for an hour, paths from the config's folder", () => {
  const c = parseConfig({ tokens: [token] }, "/etc/hive");
  assert.deepEqual(c, {
    host: "127.0.0.1",
    port: 8080,
    stages: ["private", "staging", "production"],
    approvalStages: ["production"],
    approvalTtlMs: 3600_000,
    shutdownTimeoutMs: 600_000,
    statusCacheMs: 5000,
    secretEnv: [],
    dataDir: "/etc/hive/.hive-bot",
    auditLog: "/etc/hive/.hive-bot/audit.jsonl",
    workDir: undefined,
    runner: undefined,
    tokens: [token],
    slack: undefined,
  });
});

test("errors name the attribute path and what is allowed", () => {
  assert.throws(
    () =>
      parseConfig(
        {
          tokens: [token, { ...token, hash: "plain-token", actions: ["deploy"] }, token],
          slack: { users: { U1: "nobody" } },
          approvalStages: ["qa"],
          colour: "blue",
        },
        "/x",
        "bot.yml",
      ),
    (err: Error) => {
      assert.equal(
        err.message,
        [
          "bot.yml: invalid bot configuration",
          "  tokens.1.hash: expected sha256:<64 hex digits> or scrypt:<N>:<r>:<p>:<salt hex>:<hash hex>[:<hint hex>] (see `hive bot hash-token`)",
          '  tokens.1.actions.0: Invalid option: expected one of "preview"|"up"|"refresh"|"destroy"|"approve"|"admin"',
          '  (top): Unrecognized key: "colour"',
        ].join("\n"),
      );
      return true;
    },
  );
  assert.throws(
    () => parseConfig({ tokens: [token, token], slack: { users: { U1: "nobody" } }, approvalStages: ["qa"] }, "/x", "bot.yml"),
    (err: Error) => {
      assert.equal(
        err.message,
        [
          "bot.yml: invalid bot configuration",
          "  tokens.1.name: duplicate token name ops",
          "  slack.users.U1: no token named nobody",
          "  approvalStages.0: unknown stage qa",
        ].join("\n"),
      );
      return true;
    },
  );
});

test("the documented example configuration loads", () => {
  const doc = readFileSync(path.join(__dirname, "../../docs/bot.md"), "utf8");
  const yaml = /```yaml\n(# bot\.yml[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(yaml, "docs/bot.md has a ```yaml block starting with # bot.yml");
  const dir = mkdtempSync(path.join(tmpdir(), "hive-bot-config-"));
  try {
    writeFileSync(path.join(dir, "bot.yml"), yaml);
    const c = loadConfig(path.join(dir, "bot.yml"));
    assert.deepEqual(c.tokens.map((t) => t.name), ["alice", "bob", "ci", "ops"]);
    assert.equal(c.auditLog, "/var/lib/hive-bot/audit.jsonl");
    assert.equal(c.workDir, dir);
    assert.deepEqual(c.slack, { signingSecretEnv: "SLACK_SIGNING_SECRET", users: { U012ABCDEF: "alice", U034GHIJKL: "bob" } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
