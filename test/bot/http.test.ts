// The deploy bot over real HTTP on a loopback port, with the scripted runner in-process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { STALE_PLAN_ERROR } from "../../src/automation/scripted";
import { deferred, readEvents, request, SECRETS, SEEN_BODIES, startTestBot, TOKENS, waitForRun } from "./helpers";

const { alice, bob, carol, admin } = TOKENS;

const SCRIPT = {
  preview: [
    { event: { sequence: 1, preludeEvent: { config: {} } } },
    { output: "Previewing update (staging):" },
    { event: { sequence: 2, diagnosticEvent: { severity: "info", message: `connecting with ${SECRETS[0]}` } } },
    { output: `  + password ${SECRETS[1]} <b>bold</b>` },
    { event: { sequence: 3, summaryEvent: { resourceChanges: { same: 1 } } } },
  ],
};

test("authentication and authorisation: 401, 403, 404, 405, 400", async () => {
  const t = await startTestBot();
  try {
    const none = await request(t.url, "GET", "/stacks");
    assert.equal(none.status, 401);
    assert.deepEqual(none.json, { error: "a valid bearer token is required" });
    assert.equal((await request(t.url, "GET", "/stacks", { token: "wrong-token" })).status, 401);
    assert.equal((await request(t.url, "GET", "/stacks", { headers: { authorization: `Basic ${alice}` } })).status, 401);
    // a token in the query string only counts for event streams
    assert.equal((await request(t.url, "GET", `/stacks?token=${alice}`)).status, 401);

    const list = await request(t.url, "GET", "/stacks", { token: carol });
    assert.equal(list.status, 200);
    assert.deepEqual((list.json.stages as { name: string }[]).map((s) => s.name), ["staging"]);

    const wrongStage = await request(t.url, "POST", "/stacks/production/preview", { token: carol });
    assert.equal(wrongStage.status, 403);
    assert.deepEqual(wrongStage.json, { error: "token carol may not preview stage production" });
    const wrongAction = await request(t.url, "POST", "/stacks/staging/up", { token: carol });
    assert.deepEqual([wrongAction.status, wrongAction.json.error], [403, "token carol may not up stage staging"]);
    const adminOnly = await request(t.url, "POST", "/stacks/staging/unlock", { token: alice });
    assert.deepEqual([adminOnly.status, adminOnly.json.error], [403, "token alice is not an admin of stage staging"]);

    assert.deepEqual((await request(t.url, "POST", "/stacks/qa/preview", { token: bob })).json, { error: "unknown stage qa" });
    assert.equal((await request(t.url, "POST", "/stacks/staging/deploy", { token: bob })).status, 404);
    assert.equal((await request(t.url, "GET", "/nowhere", { token: bob })).status, 404);
    assert.equal((await request(t.url, "DELETE", "/stacks", { token: bob })).status, 405);
    assert.deepEqual((await request(t.url, "GET", "/stacks/%E0%A4%A", { token: bob })).json, { error: "malformed path" });
    const badJson = await request(t.url, "POST", "/stacks/staging/preview", { token: bob, rawBody: "{nope" });
    assert.deepEqual([badJson.status, badJson.json.error], [400, "the body is not valid JSON"]);
    const badField = await request(t.url, "POST", "/stacks/staging/refresh", { token: alice, body: { destroy: true } });
    assert.deepEqual([badField.status, badField.json.error], [400, "destroy (boolean) is only for preview"]);
    assert.equal(t.runner.calls.filter((c) => c.method !== "secretValues").length, 0, "no operation started");
  } finally {
    await t.close();
  }
});

test("SSE: engine events and output in order, secrets redacted, then end; late clients get the backlog", async () => {
  const gate = deferred();
  const t = await startTestBot({ runner: { steps: SCRIPT, gate: () => gate.promise } });
  try {
    const start = await request(t.url, "POST", "/stacks/staging/preview", { token: carol });
    assert.equal(start.status, 202);
    const runId = start.json.runId as string;
    const live = readEvents(t.url, runId, carol);
    await new Promise((r) => setTimeout(r, 50));
    gate.resolve();
    const early = await live;
    assert.equal(early.status, 200);
    assert.deepEqual(
      early.events.map((e) => [e.id, e.event]),
      [["1", "engine"], ["2", "output"], ["3", "engine"], ["4", "output"], ["5", "engine"], ["6", "end"]],
    );
    assert.deepEqual(early.events[2].data, { sequence: 2, diagnosticEvent: { severity: "info", message: "connecting with [secret]" } });
    assert.equal(early.events[3].data, "  + password [secret] <b>bold</b>");
    const end = early.events[5].data as Record<string, unknown>;
    assert.equal(end.status, "succeeded");
    assert.equal(end.id, runId);

    const late = await readEvents(t.url, runId, carol);
    assert.deepEqual(late.events, early.events);
    const resumed = await readEvents(t.url, runId, carol, 4);
    assert.deepEqual(resumed.events.map((e) => e.id), ["5", "6"]);
    // EventSource cannot send headers: the status page passes the token in the query string.
    const viaQuery = await request(t.url, "GET", `/runs/${runId}/events?token=${carol}`);
    assert.equal(viaQuery.status, 200);
    assert.match(viaQuery.text, /event: end/);
    assert.equal((await readEvents(t.url, runId, "bad")).status, 401);
    assert.equal((await readEvents(t.url, "no-such-run", carol)).status, 404);
  } finally {
    await t.close();
  }
});

test("a busy stage answers 409 with the holder; the lock is released when the run ends", async () => {
  const gate = deferred();
  const t = await startTestBot({ runner: { gate: () => gate.promise } });
  try {
    const first = await request(t.url, "POST", "/stacks/staging/preview", { token: carol });
    const runId = first.json.runId as string;
    const second = await request(t.url, "POST", "/stacks/staging/up", { token: alice });
    assert.equal(second.status, 409);
    assert.equal(second.json.error, "stage staging is busy");
    const holder = second.json.holder as Record<string, string>;
    assert.deepEqual([holder.token, holder.runId], ["carol", runId]);
    assert.match(holder.since, /^\d{4}-\d\d-\d\dT/);
    const stack = await request(t.url, "GET", "/stacks/staging", { token: carol });
    assert.deepEqual(stack.json.lock, holder);
    // other stages are independent
    assert.equal((await request(t.url, "POST", "/stacks/private/preview", { token: bob })).status, 202);
    gate.resolve();
    assert.equal((await waitForRun(t.url, runId, carol)).status, "succeeded");
    const after = await request(t.url, "GET", "/stacks/staging", { token: carol });
    assert.equal(after.json.lock, null);
    assert.equal((await request(t.url, "POST", "/stacks/staging/preview", { token: carol })).status, 202);
  } finally {
    gate.resolve();
    await t.close();
  }
});

test("GET /stacks/:stage shows outputs with secrets masked, the last run and recent runs", async () => {
  const t = await startTestBot();
  try {
    const runId = (await request(t.url, "POST", "/stacks/staging/up", { token: alice })).json.runId as string;
    const run = await waitForRun(t.url, runId, alice);
    assert.deepEqual(run.result, { status: "succeeded", changes: { same: 1 }, outputs: { dbPassword: "[secret]", siteName: "pdns" } });
    const stack = await request(t.url, "GET", "/stacks/staging", { token: alice });
    assert.equal(stack.status, 200);
    assert.deepEqual(stack.json.outputs, { dbPassword: "[secret]", siteName: "pdns" });
    assert.equal((stack.json.lastRun as Record<string, unknown>).id, runId);
    assert.deepEqual((stack.json.runs as { id: string }[]).map((r) => r.id), [runId]);
    const runs = await request(t.url, "GET", "/runs?stage=staging", { token: alice });
    assert.deepEqual((runs.json.runs as { id: string }[]).map((r) => r.id), [runId]);
    assert.equal((await request(t.url, "GET", "/stacks/private", { token: alice })).status, 403);
  } finally {
    await t.close();
  }
});

test("production approval: another holder approves, up applies exactly the preview's plan, once", async () => {
  let now = Date.parse("2026-01-10T10:00:00Z");
  const t = await startTestBot({ now: () => now });
  try {
    const noPreview = await request(t.url, "POST", "/stacks/production/up", { token: alice });
    assert.deepEqual(
      [noPreview.status, noPreview.json.error],
      [403, "up on production needs an approved preview: run a preview, have another token holder approve it, then pass its previewRunId"],
    );
    const previewId = (await request(t.url, "POST", "/stacks/production/preview", { token: alice })).json.runId as string;
    const preview = await waitForRun(t.url, previewId, alice);
    assert.equal(preview.plan, true);
    assert.ok(!JSON.stringify(preview).includes("planFile"), "the plan's path is not exposed");
    const planFile = t.runner.calls.find((c) => c.method === "preview")?.planFile;
    assert.ok(planFile && existsSync(planFile), "the preview saved a plan");

    const unapproved = await request(t.url, "POST", "/stacks/production/up", { token: alice, body: { previewRunId: previewId } });
    assert.deepEqual([unapproved.status, unapproved.json.error], [403, `preview ${previewId} is not approved`]);
    const self = await request(t.url, "POST", `/runs/${previewId}/approve`, { token: alice });
    assert.deepEqual([self.status, self.json.error], [403, "a preview must be approved by another token holder than the one who ran it"]);
    assert.equal((await request(t.url, "POST", `/runs/${previewId}/approve`, { token: carol })).status, 403);
    const approved = await request(t.url, "POST", `/runs/${previewId}/approve`, { token: bob });
    assert.equal(approved.status, 200);
    assert.deepEqual((approved.json.run as Record<string, unknown>).approval, {
      by: "bob",
      at: "2026-01-10T10:00:00.000Z",
      expiresAt: "2026-01-10T11:00:00.000Z",
    });
    assert.equal((await request(t.url, "POST", `/runs/${previewId}/approve`, { token: bob })).status, 409);
    const wrongKind = await request(t.url, "POST", "/stacks/production/destroy", { token: alice, body: { previewRunId: previewId } });
    assert.deepEqual([wrongKind.status, wrongKind.json.error], [400, `run ${previewId} is not a destroy preview of production`]);

    const up = await request(t.url, "POST", "/stacks/production/up", { token: alice, body: { previewRunId: previewId } });
    assert.equal(up.status, 202);
    const upRun = await waitForRun(t.url, up.json.runId as string, alice);
    assert.equal(upRun.status, "succeeded");
    assert.deepEqual(t.runner.calls.filter((c) => c.method === "up"), [{ method: "up", stage: "production", planFile }]);

    const again = await request(t.url, "POST", "/stacks/production/up", { token: alice, body: { previewRunId: previewId } });
    assert.deepEqual([again.status, again.json.error], [403, `the approval of preview ${previewId} was already used by run ${up.json.runId}`]);

    // an approval expires after an hour
    const p2 = (await request(t.url, "POST", "/stacks/production/preview", { token: bob })).json.runId as string;
    await waitForRun(t.url, p2, bob);
    assert.equal((await request(t.url, "POST", `/runs/${p2}/approve`, { token: alice })).status, 200);
    now += 3600_000;
    const expired = await request(t.url, "POST", "/stacks/production/up", { token: bob, body: { previewRunId: p2 } });
    assert.deepEqual([expired.status, expired.json.error], [403, `the approval of preview ${p2} expired at 2026-01-10T11:00:00.000Z`]);

    // a stack changed after the preview makes the planned up fail (the engine checks the plan)
    const p3 = (await request(t.url, "POST", "/stacks/production/preview", { token: bob })).json.runId as string;
    await waitForRun(t.url, p3, bob);
    assert.equal((await request(t.url, "POST", `/runs/${p3}/approve`, { token: alice })).status, 200);
    t.runner.changeStack("production");
    const stale = await request(t.url, "POST", "/stacks/production/up", { token: bob, body: { previewRunId: p3 } });
    assert.equal(stale.status, 202);
    const staleRun = await waitForRun(t.url, stale.json.runId as string, bob);
    assert.equal(staleRun.status, "failed");
    assert.deepEqual(staleRun.result, { status: "failed", error: STALE_PLAN_ERROR });

    // destroy needs an approved destroy preview
    const pd = (await request(t.url, "POST", "/stacks/production/preview", { token: alice, body: { destroy: true } })).json.runId as string;
    await waitForRun(t.url, pd, alice);
    assert.deepEqual(t.runner.calls.filter((c) => c.method === "preview").at(-1), { method: "preview", stage: "production", destroy: true });
    assert.equal((await request(t.url, "POST", "/stacks/production/destroy", { token: alice, body: { previewRunId: pd } })).status, 403);
    assert.equal((await request(t.url, "POST", `/runs/${pd}/approve`, { token: bob })).status, 200);
    const destroy = await request(t.url, "POST", "/stacks/production/destroy", { token: alice, body: { previewRunId: pd } });
    assert.equal(destroy.status, 202);
    assert.equal((await waitForRun(t.url, destroy.json.runId as string, alice)).status, "succeeded");

    // staging needs no approval
    assert.equal((await request(t.url, "POST", "/stacks/staging/up", { token: alice })).status, 202);
  } finally {
    await t.close();
  }
});

test("cancel and admin-only stale-lock recovery", async () => {
  const t = await startTestBot({ runner: { waitForAbort: ["up", "refresh"] } });
  try {
    const up = await request(t.url, "POST", "/stacks/staging/up", { token: alice });
    const runId = up.json.runId as string;
    assert.equal((await request(t.url, "POST", `/runs/${runId}/cancel`, { token: carol })).status, 403);
    const cancel = await request(t.url, "POST", `/runs/${runId}/cancel`, { token: alice });
    assert.deepEqual([cancel.status, cancel.json], [202, { runId, cancelling: true }]);
    const run = await waitForRun(t.url, runId, alice);
    assert.equal(run.status, "cancelled");
    assert.equal((await request(t.url, "POST", `/runs/${runId}/cancel`, { token: alice })).status, 409);

    const stuck = (await request(t.url, "POST", "/stacks/staging/refresh", { token: alice })).json.runId as string;
    assert.equal((await request(t.url, "POST", "/stacks/staging/unlock", { token: bob })).status, 403);
    const unlock = await request(t.url, "POST", "/stacks/staging/unlock", { token: admin });
    assert.equal(unlock.status, 200);
    assert.equal((unlock.json.released as Record<string, string>).runId, stuck);
    assert.equal(unlock.json.backend, "cancelled");
    assert.deepEqual(t.runner.calls.filter((c) => c.method === "cancel"), [{ method: "cancel", stage: "staging" }]);
    assert.equal((await request(t.url, "GET", "/stacks/staging", { token: alice })).json.lock, null);
    assert.equal((await waitForRun(t.url, stuck, alice)).status, "cancelled");
    const free = await request(t.url, "POST", "/stacks/staging/unlock", { token: admin });
    assert.deepEqual([free.status, free.json.released], [200, null]);
  } finally {
    await t.close();
  }
});

test("the audit log has one record per request and one per result, and no secret or token anywhere", async () => {
  const t = await startTestBot({ runner: { steps: SCRIPT } });
  try {
    const sent: [string, string, string | undefined, number][] = [];
    const nameOf = (token?: string) => Object.entries(TOKENS).find(([, v]) => v === token)?.[0];
    const call = async (method: string, path: string, token?: string, who = nameOf(token)) => {
      const res = await request(t.url, method, path, { token });
      sent.push([method, path.split("?")[0], who, res.status]);
      return res;
    };
    await call("GET", "/stacks");
    await call("GET", `/stacks?token=${alice}`, undefined);
    await call("GET", "/stacks", bob);
    const runId = (await call("POST", "/stacks/staging/preview", alice)).json.runId as string;
    await waitForRun(t.url, runId, alice);
    sent.push(["GET", `/runs/${runId}`, "alice", 200]); // waitForRun's last poll (earlier polls are counted below)
    await call("GET", `/runs/${runId}/events?token=${alice}`, undefined, "alice");
    await call("POST", "/stacks/staging/up", carol);
    await call("GET", "/", undefined);
    await call("GET", "/stacks/staging", alice);

    const records = t.auditLines();
    const requests = records.filter((r) => r.kind === "request");
    const polls = requests.filter((r) => r.path === `/runs/${runId}`);
    const others = requests.filter((r) => r.path !== `/runs/${runId}`);
    const expected = sent.filter(([, p]) => p !== `/runs/${runId}`);
    assert.deepEqual(
      others.map((r) => [r.method, r.path, r.who ?? undefined, r.status]),
      expected.map(([m, p, who, s]) => [m, p, who, s]),
    );
    assert.ok(polls.length >= 1 && polls.every((r) => r.who === "alice" && r.status === 200));
    for (const r of requests) assert.match(String(r.requestId), /^[0-9a-f-]{36}$/);
    const preview = requests.find((r) => r.action === "preview");
    assert.deepEqual([preview?.stage, preview?.runId, preview?.status], ["staging", runId, 202]);
    const results = records.filter((r) => r.kind === "result");
    assert.deepEqual(results.map((r) => [r.runId, r.who, r.stage, r.operation, r.status]), [[runId, "alice", "staging", "preview", "succeeded"]]);

    const everything = [t.auditText(), ...t.logs, ...SEEN_BODIES].join("\n");
    for (const secret of [...SECRETS, ...Object.values(TOKENS)]) assert.ok(!everything.includes(secret), `leaked ${secret.slice(0, 6)}…`);
    assert.ok(t.logs.some((l) => l.includes('"msg":"request"')), "requests are logged");
  } finally {
    await t.close();
  }
});

test("shutdown waits for running updates, then cancels them; new runs get 503 meanwhile", async () => {
  const t = await startTestBot({ runner: { waitForAbort: ["up"] } });
  const runId = (await request(t.url, "POST", "/stacks/staging/up", { token: alice })).json.runId as string;
  const closing = t.bot.close(200);
  assert.equal(t.bot.service.isClosing(), true);
  const late = await t.bot.service.startRun({ name: "alice", hash: "", stages: ["*"], actions: ["preview"] }, "staging", "preview", {}, () => undefined);
  assert.equal(late.status, 503);
  await closing;
  const result = t.auditLines().find((r) => r.kind === "result");
  assert.deepEqual([result?.runId, result?.status], [runId, "cancelled"]);
  assert.ok(t.logs.some((l) => l.includes("cancelling running updates")));
  await t.close();
});
