// 50 concurrent requests for one stage: exactly one update runs (in a worker process), the other 49
// get 409, and the audit log has a record for every request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { WorkerExecutor } from "../../src/bot/executor";
import { request, startTestBot, TOKENS, waitForRun } from "./helpers";

const SCRIPTED = path.join(__dirname, "../../src/automation/scripted.ts");

test("50 concurrent ups on one stage: one runs, 49 get 409, no audit record lost", async () => {
  const t = await startTestBot({
    executor: (_runner, dir) =>
      new WorkerExecutor({ module: SCRIPTED, options: { waitForAbort: ["up"], callLog: path.join(dir, "calls.jsonl") } }, 5000),
  });
  const callLog = path.join(t.dir, "calls.jsonl");
  try {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => request(t.url, "POST", "/stacks/staging/up", { token: i % 2 ? TOKENS.alice : TOKENS.bob })),
    );
    const statuses = responses.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 202).length, 1, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 409).length, 49);
    const winner = responses.find((r) => r.status === 202)!;
    const runId = winner.json.runId as string;
    for (const r of responses.filter((x) => x.status === 409)) assert.equal((r.json.holder as { runId: string }).runId, runId);

    // the update really runs in a worker: wait for it to record its call, then cancel it
    for (let i = 0; i < 300 && !readFileSync(callLog, { flag: "a+" }).toString().includes('"up"'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // only the run's requester (or an admin) may cancel it
    const requester = responses.indexOf(winner) % 2 ? TOKENS.alice : TOKENS.bob;
    const other = requester === TOKENS.alice ? TOKENS.bob : TOKENS.alice;
    assert.equal((await request(t.url, "POST", `/runs/${runId}/cancel`, { token: other })).status, 403);
    assert.equal((await request(t.url, "POST", `/runs/${runId}/cancel`, { token: requester })).status, 202);
    assert.equal((await waitForRun(t.url, runId, TOKENS.alice)).status, "cancelled");
    const calls = readFileSync(callLog, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { method: string });
    assert.deepEqual(calls.filter((c) => c.method === "up").length, 1);

    const lines = t.auditText().split("\n").filter(Boolean);
    const ups = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.kind === "request" && r.path === "/stacks/staging/up");
    assert.equal(ups.length, 50);
    assert.equal(ups.filter((r) => r.status === 409).length, 49);
    assert.equal(ups.filter((r) => r.status === 202 && r.runId === runId).length, 1);
  } finally {
    await t.close();
  }
});
