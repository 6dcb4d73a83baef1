// Limits over real HTTP: large bodies get a 413 they can read, anonymous floods are audited within a
// budget, token checks cost the same for every miss, status is computed once for concurrent readers,
// and only a run's requester or an admin cancels it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as http from "node:http";
import { readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { hashToken, TokenVerifier, type TokenEntry } from "../../src/bot/auth";
import { deferred, request, startTestBot, TOKENS, waitForRun } from "./helpers";

const { alice, bob, admin } = TOKENS;

/** A POST whose body is sent in chunks without a Content-Length (so the server cannot refuse it up front). */
function chunkedPost(url: string, pathname: string, bytes: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(pathname, url), { method: "POST", agent: false, headers: { authorization: `Bearer ${alice}` } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    const chunk = Buffer.alloc(16 * 1024, 32);
    for (let sent = 0; sent < bytes; sent += chunk.length) req.write(chunk);
    req.end();
  });
}

test("a body over 64 KiB is answered 413 (declared or streamed), not reset, and starts nothing", async () => {
  const t = await startTestBot();
  try {
    const declared = await request(t.url, "POST", "/stacks/staging/preview", { token: alice, rawBody: " ".repeat(1024 * 1024) });
    assert.deepEqual([declared.status, declared.json], [413, { error: "request body too large (the limit is 65536 bytes)" }]);
    const streamed = await chunkedPost(t.url, "/stacks/staging/preview", 2 * 1024 * 1024);
    assert.equal(streamed.status, 413);
    assert.equal(t.runner.calls.filter((c) => c.method === "preview").length, 0);
    assert.equal((await request(t.url, "POST", "/stacks/staging/preview", { token: alice })).status, 202, "the bot still answers");
  } finally {
    await t.close();
  }
});

test("an anonymous flood is audited within a budget, with bounded paths, and the rest counted", async () => {
  const t = await startTestBot();
  try {
    const long = "/x".repeat(3_000);
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      const statuses = await Promise.all(Array.from({ length: 30 }, () => request(t.url, "GET", `/stacks${long}`).then((r) => r.status)));
      assert.ok(statuses.every((s) => s === 401 || s === 404), statuses.join());
    }
    // the budget: 50 at once, then 5 a second
    const allowed = 50 + Math.ceil(((Date.now() - started) / 1000) * 5);
    await t.close(true);
    const anonymous = t.auditLines().filter((r) => r.kind === "request" && r.who === null);
    assert.ok(anonymous.length >= 50 && anonymous.length <= allowed, `${anonymous.length} records, ${allowed} allowed`);
    assert.ok(anonymous.every((r) => String(r.path).length === 200));
    const counted = t.auditLines().filter((r) => r.kind === "suppressed").reduce((n, r) => n + (r.count as number), 0);
    assert.equal(anonymous.length + counted, 300, "every request is recorded or counted");
    assert.ok(statSync(`${t.dir}/.hive-bot/audit.jsonl`).size < 64 * 1024);
  } finally {
    await t.close();
  }
});

test("a token that matches nothing costs no scrypt: 300 misses in a fraction of the time of 300 scrypts", async () => {
  const hinted = "hinted-scrypt-token-0123456789abcdef";
  const legacyToken = "legacy-scrypt-token-0123456789abcdef";
  const legacyHash = (await hashToken(legacyToken, "scrypt")).split(":").slice(0, 6).join(":");
  const entries: TokenEntry[] = [
    { name: "sha", hash: `sha256:${createHash("sha256").update(alice).digest("hex")}`, stages: ["*"], actions: ["preview"] },
    { name: "hinted", hash: await hashToken(hinted, "scrypt"), stages: ["*"], actions: ["preview"] },
    { name: "legacy", hash: legacyHash, stages: ["*"], actions: ["preview"] },
  ];
  assert.match(entries[1].hash, /^scrypt:16384:8:1:[0-9a-f]{32}:[0-9a-f]{64}:[0-9a-f]{4}$/);
  const verifier = new TokenVerifier(entries);
  assert.equal((await verifier.verify(alice))?.name, "sha");
  assert.equal((await verifier.verify(hinted))?.name, "hinted");
  assert.equal((await verifier.verify(legacyToken))?.name, "legacy", "an unhinted scrypt hash still works");
  const started = process.hrtime.bigint();
  const misses = await Promise.all(Array.from({ length: 300 }, (_, i) => verifier.verify(`bad-token-${i}-${"z".repeat(32)}`)));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(misses.every((m) => m === undefined));
  // scrypt (N=16384) costs tens of milliseconds: 300 of them take seconds (about 9 s here before);
  // now only the three that fit the unhinted lane pay it
  assert.ok(ms < 2500, `300 misses took ${ms.toFixed(0)} ms`);
  assert.ok(verifier.refusedChecks >= 290, `unhinted checks are bounded (${verifier.refusedChecks} refused)`);
  assert.equal((await verifier.verify(legacyToken))?.name, "legacy", "a verified token is remembered");
});

test("concurrent status requests compute a stage's outputs once; a finished run refreshes them", async () => {
  const t = await startTestBot({ config: { statusCacheSeconds: 60 } });
  try {
    const replies = await Promise.all(Array.from({ length: 50 }, () => request(t.url, "GET", "/stacks/staging", { token: alice })));
    assert.ok(replies.every((r) => r.status === 200));
    assert.deepEqual(replies[0].json.outputs, { dbPassword: "[secret]", siteName: "pdns" });
    const outputs = () => t.runner.calls.filter((c) => c.method === "outputs").length;
    assert.equal(outputs(), 1);
    await request(t.url, "GET", "/stacks/staging", { token: alice });
    assert.equal(outputs(), 1, "cached");
    const runId = (await request(t.url, "POST", "/stacks/staging/refresh", { token: alice })).json.runId as string;
    await waitForRun(t.url, runId, alice);
    await request(t.url, "GET", "/stacks/staging", { token: alice });
    assert.equal(outputs(), 2, "recomputed after the run");
  } finally {
    await t.close();
  }
});

test("only the requester or an admin may cancel a run", async () => {
  const t = await startTestBot({ runner: { waitForAbort: ["preview"] } });
  try {
    const runId = (await request(t.url, "POST", "/stacks/staging/preview", { token: alice })).json.runId as string;
    const other = await request(t.url, "POST", `/runs/${runId}/cancel`, { token: bob });
    assert.deepEqual([other.status, other.json.error], [403, `only alice, who started run ${runId}, or an admin of staging may cancel it`]);
    assert.equal((await request(t.url, "POST", `/runs/${runId}/cancel`, { token: admin })).status, 202);
    assert.equal((await waitForRun(t.url, runId, alice)).status, "cancelled");
  } finally {
    await t.close();
  }
});

test("an executor that fails to start ends the run as failed, audited, and frees the stage", async () => {
  const t = await startTestBot({
    executor: () => ({
      start() {
        throw new Error("spawn EAGAIN");
      },
    }),
  });
  try {
    const up = await request(t.url, "POST", "/stacks/staging/up", { token: alice });
    assert.equal(up.status, 202);
    const run = await waitForRun(t.url, up.json.runId as string, alice);
    assert.deepEqual([run.status, run.result], ["failed", { status: "failed", error: "the update could not be started: spawn EAGAIN" }]);
    assert.equal((await request(t.url, "GET", "/stacks/staging", { token: alice })).json.lock, null);
    const result = t.auditLines().find((r) => r.kind === "result");
    assert.deepEqual([result?.runId, result?.status], [up.json.runId, "failed"]);
  } finally {
    await t.close();
  }
});

test("plan files live while they can be applied: kept during the up that applies one, removed after it or once expired", async () => {
  let now = Date.parse("2026-01-10T10:00:00Z");
  const gate = deferred();
  let holdUp = false;
  const t = await startTestBot({ now: () => now, runner: { gate: (op) => (op === "up" && holdUp ? gate.promise : Promise.resolve()) } });
  try {
    const plans = () => readdirSync(path.join(t.dir, ".hive-bot", "plans")).sort();
    const p1 = (await request(t.url, "POST", "/stacks/staging/preview", { token: alice })).json.runId as string;
    await waitForRun(t.url, p1, alice);
    assert.deepEqual(plans(), [`${p1}.json`]);
    holdUp = true;
    const up = (await request(t.url, "POST", "/stacks/staging/up", { token: alice, body: { previewRunId: p1 } })).json.runId as string;
    now += 2 * 3600_000; // the plan's lifetime passes while it is being applied
    t.bot.service.sweep();
    assert.deepEqual(plans(), [`${p1}.json`], "kept while the up runs");
    gate.resolve();
    assert.equal((await waitForRun(t.url, up, alice)).status, "succeeded");
    assert.deepEqual(plans(), [], "removed once applied");

    const p2 = (await request(t.url, "POST", "/stacks/staging/preview", { token: alice })).json.runId as string;
    await waitForRun(t.url, p2, alice);
    now += 3600_000;
    t.bot.service.sweep();
    assert.deepEqual(plans(), [], "removed once expired");
    const late = await request(t.url, "POST", "/stacks/staging/up", { token: alice, body: { previewRunId: p2 } });
    assert.deepEqual([late.status, late.json.error], [400, `the plan of preview ${p2} expired at 2026-01-10T13:00:00.000Z`]);
  } finally {
    gate.resolve();
    await t.close();
  }
});
