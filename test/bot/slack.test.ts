// Slack-compatible slash commands: the pure signature check and parser, then the endpoint over HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSlashCommand, slackSignature, verifySlackRequest } from "../../src/bot/slack";
import { deferred, request, SLACK_SECRET, startTestBot, waitForRun, TOKENS } from "./helpers";

test("slackSignature is v0= hex HMAC-SHA256 of v0:<timestamp>:<body>", () => {
  // Computed independently: printf 'v0:1700000000:text=hi' | openssl dgst -sha256 -hmac key
  assert.equal(slackSignature("key", "1700000000", "text=hi"), "v0=58fa9a225a6f4de96cc405d64da52b33a87be3310554dcfe8b115b03aea2f863");
});

test("verifySlackRequest accepts a good signature inside the window and rejects the rest", () => {
  const body = "text=preview+staging&user_id=U1";
  const sig = slackSignature(SLACK_SECRET, "1000", body);
  assert.deepEqual(verifySlackRequest(SLACK_SECRET, { signature: sig, timestamp: "1000" }, body, 1000), { ok: true });
  assert.deepEqual(verifySlackRequest(SLACK_SECRET, { signature: sig, timestamp: "1000" }, body, 1300), { ok: true });
  assert.deepEqual(verifySlackRequest(SLACK_SECRET, { signature: sig, timestamp: "1000" }, body, 1301), {
    ok: false,
    reason: "timestamp outside the replay window",
  });
  assert.deepEqual(verifySlackRequest(SLACK_SECRET, { signature: sig, timestamp: "1000" }, body, 699), {
    ok: false,
    reason: "timestamp outside the replay window",
  });
  assert.deepEqual(verifySlackRequest(SLACK_SECRET, { signature: sig, timestamp: "1000" }, body + "x", 1000), { ok: false, reason: "bad signature" });
  assert.deepEqual(verifySlackRequest("other", { signature: sig, timestamp: "1000" }, body, 1000), { ok: false, reason: "bad signature" });
  assert.deepEqual(verifySlackRequest(SLACK_SECRET, { signature: "v0=00", timestamp: "1000" }, body, 1000), { ok: false, reason: "bad signature" });
  assert.deepEqual(verifySlackRequest(SLACK_SECRET, { timestamp: "1000" }, body, 1000), { ok: false, reason: "missing signature headers" });
  assert.deepEqual(verifySlackRequest(SLACK_SECRET, { signature: sig, timestamp: "1e3" }, body, 1000), { ok: false, reason: "bad timestamp" });
});

test("parseSlashCommand", () => {
  const cases: [string, unknown][] = [
    ["", { kind: "help" }],
    ["help", { kind: "help" }],
    ["preview staging", { kind: "run", operation: "preview", stage: "staging" }],
    ["  preview   production destroy ", { kind: "run", operation: "preview", stage: "production", destroy: true }],
    ["up production r-1", { kind: "run", operation: "up", stage: "production", previewRunId: "r-1" }],
    ["destroy staging", { kind: "run", operation: "destroy", stage: "staging" }],
    ["refresh staging", { kind: "run", operation: "refresh", stage: "staging" }],
    ["approve r-1", { kind: "approve", runId: "r-1" }],
    ["cancel r-1", { kind: "cancel", runId: "r-1" }],
    ["run r-1", { kind: "run-status", runId: "r-1" }],
    ["status", { kind: "status" }],
    ["status staging", { kind: "status", stage: "staging" }],
    ["preview", "usage: preview <stage> [destroy]"],
    ["preview staging now", "usage: preview <stage> [destroy]"],
    ["refresh staging x", "usage: refresh <stage>"],
    ["approve", "usage: approve <run id>"],
    ["deploy staging", "unknown command deploy; try help"],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseSlashCommand(text), expected, text);
});

function slackPost(url: string, body: string, opts: { timestamp?: number; secret?: string; signature?: string } = {}) {
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  return request(url, "POST", "/slack/command", {
    rawBody: body,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": ts,
      "x-slack-signature": opts.signature ?? slackSignature(opts.secret ?? SLACK_SECRET, ts, body),
    },
  });
}

const form = (fields: Record<string, string>) => new URLSearchParams({ token: "legacy", team_id: "T1", command: "/hive", ...fields }).toString();

test("the Slack endpoint: signed commands run, bad signatures and replays are rejected, answers are ephemeral", async () => {
  const gate = deferred();
  const t = await startTestBot({ runner: { gate: () => gate.promise } });
  try {
    const ok = await slackPost(t.url, form({ user_id: "U222", text: "preview staging" }));
    assert.equal(ok.status, 200);
    assert.equal(ok.json.response_type, "ephemeral");
    const m = /^preview of staging started: run ([0-9a-f-]{36})$/.exec(String(ok.json.text));
    assert.ok(m, String(ok.json.text));
    const runId = m[1];
    assert.deepEqual(t.runner.calls.filter((c) => c.method === "preview").map((c) => c.stage), ["staging"]);

    const busy = await slackPost(t.url, form({ user_id: "U111", text: "refresh staging" }));
    assert.match(String(busy.json.text), new RegExp(`^error: stage staging is busy \\(held by carol, run ${runId}, since \\d{4}-`));
    const denied = await slackPost(t.url, form({ user_id: "U222", text: "up staging" }));
    assert.deepEqual(denied.json, { response_type: "ephemeral", text: "error: token carol may not up stage staging" });
    const unknownUser = await slackPost(t.url, form({ user_id: "U999", text: "preview staging" }));
    assert.deepEqual([unknownUser.status, unknownUser.json.text], [200, "Slack user U999 is not allowed to use this bot"]);
    const usage = await slackPost(t.url, form({ user_id: "U111", text: "launch staging" }));
    assert.equal(usage.json.text, "unknown command launch; try help");
    const status = await slackPost(t.url, form({ user_id: "U111", text: "status" }));
    assert.equal(status.json.text, "staging: busy (carol), last preview running\nproduction: free");

    const badSig = await slackPost(t.url, form({ user_id: "U111", text: "preview production" }), { secret: "not-the-secret" });
    assert.deepEqual([badSig.status, badSig.json], [401, { error: "bad signature" }]);
    const replay = await slackPost(t.url, form({ user_id: "U111", text: "preview production" }), { timestamp: Math.floor(Date.now() / 1000) - 301 });
    assert.deepEqual([replay.status, replay.json], [401, { error: "timestamp outside the replay window" }]);
    const unsigned = await request(t.url, "POST", "/slack/command", { rawBody: form({ user_id: "U111", text: "help" }) });
    assert.equal(unsigned.status, 401);
    assert.equal(t.runner.calls.filter((c) => c.method === "preview").length, 1, "rejected requests started nothing");

    gate.resolve();
    await waitForRun(t.url, runId, TOKENS.carol);
    const approveOwn = await slackPost(t.url, form({ user_id: "U222", text: `approve ${runId}` }));
    assert.equal(approveOwn.json.text, "error: token carol may not approve on stage staging");
    const runStatus = await slackPost(t.url, form({ user_id: "U222", text: `run ${runId}` }));
    assert.equal(runStatus.json.text, `run ${runId}: preview of staging by carol: succeeded`);

    const slackRecords = t.auditLines().filter((r) => r.kind === "request" && r.via === "slack");
    assert.deepEqual(
      slackRecords.map((r) => [r.who ?? null, r.action ?? null, r.stage ?? null, r.status, r.outcome ?? null]),
      [
        ["carol", "preview", "staging", 200, 202],
        ["alice", "refresh", "staging", 200, 409],
        ["carol", "up", "staging", 200, 403],
        [null, "unmapped-user", null, 200, 403],
        ["alice", null, null, 200, 400],
        ["alice", "status", null, 200, 200],
        [null, null, null, 401, null],
        [null, null, null, 401, null],
        [null, null, null, 401, null],
        ["carol", "approve", null, 200, 403],
        ["carol", "run", null, 200, 200],
      ],
    );
    assert.ok(!t.auditText().includes(SLACK_SECRET) && !t.logs.join("\n").includes(SLACK_SECRET));
  } finally {
    gate.resolve();
    await t.close();
  }
});

test("a replayed Slack request (same signature within the window) is refused with 409, also after a restart", async () => {
  let t = await startTestBot();
  try {
    const body = form({ user_id: "U111", text: "refresh staging" });
    const ts = Math.floor(Date.now() / 1000);
    const first = await slackPost(t.url, body, { timestamp: ts });
    assert.match(String(first.json.text), /^refresh of staging started: run /);
    const again = await slackPost(t.url, body, { timestamp: ts });
    assert.deepEqual([again.status, again.json], [409, { error: "this request was already received (replay)" }]);
    await waitForRun(t.url, String(first.json.text).split(" ").at(-1)!, TOKENS.alice);
    await t.close(true);
    t = await startTestBot({ dir: t.dir });
    const afterRestart = await slackPost(t.url, body, { timestamp: ts });
    assert.equal(afterRestart.status, 409);
    assert.equal(t.runner.calls.filter((c) => c.method === "refresh").length, 0, "the restarted bot ran nothing");
    const records = t.auditLines().filter((r) => r.kind === "request" && r.via === "slack");
    assert.deepEqual(records.map((r) => r.status), [200, 409, 409]);
  } finally {
    await t.close();
  }
});
