// A real worker process (fork + tsx) running the scripted runner.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { startWorker } from "../../src/automation/fork";

const SCRIPTED = path.join(__dirname, "../../src/automation/scripted.ts");

test("a worker streams events and output in order over IPC, redacted, then its result", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "hive-worker-"));
  try {
    const seen: unknown[] = [];
    const run = startWorker(
      {
        operation: "preview",
        stage: "staging",
        options: { planFile: path.join(dir, "plan.json"), targets: ["urn:a"] },
        runner: {
          module: SCRIPTED,
          options: {
            secretConfig: ["the-passphrase"],
            callLog: path.join(dir, "calls.jsonl"),
            steps: { preview: [{ event: { n: 1 } }, { output: "one the-passphrase" }, { event: { n: 2 } }, { output: "two" }] },
          },
        },
      },
      { onEvent: (e) => seen.push(["event", e]), onOutput: (l) => seen.push(["output", l]) },
    );
    assert.ok(run.pid && run.pid !== process.pid);
    assert.deepEqual(await run.result, { status: "succeeded", changes: { same: 1 } });
    assert.deepEqual(seen, [["event", { n: 1 }], ["output", "one [secret]"], ["event", { n: 2 }], ["output", "two"]]);
    const calls = readFileSync(path.join(dir, "calls.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(calls, [
      { method: "secretValues", stage: "staging" },
      { method: "preview", stage: "staging", planFile: path.join(dir, "plan.json"), targets: ["urn:a"] },
    ]);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, "plan.json"), "utf8")), { stage: "staging", version: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("cancel asks the worker to abort cleanly; the result says cancelled", async () => {
  const run = startWorker(
    { operation: "up", stage: "s", options: {}, runner: { module: SCRIPTED, options: { waitForAbort: ["up"], steps: { up: [{ output: "started" }] } } } },
    { onOutput: () => run.cancel() },
  );
  assert.deepEqual(await run.result, { status: "cancelled", error: "update cancelled" });
});

test("a worker that cannot stop cleanly is signalled after the grace period", async () => {
  // A runner module that ignores the abort signal forever.
  const dir = mkdtempSync(path.join(tmpdir(), "hive-worker-"));
  const module = path.join(dir, "stuck.js");
  require("node:fs").writeFileSync(
    module,
    "exports.createRunner = () => ({ secretValues: async () => [], up: (_s, o) => { o.onOutput('stuck'); setInterval(() => {}, 1000); return new Promise(() => {}); } });\n",
  );
  try {
    const run = startWorker({ operation: "up", stage: "s", options: {}, runner: { module } }, { onOutput: () => run.cancel() }, { graceMs: 200 });
    const result = await run.result;
    assert.equal(result.status, "cancelled");
    assert.match(result.error ?? "", /^worker exited without a result \(signal SIG(TERM|KILL)\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a runner module without createRunner fails the run with a clear error", async () => {
  const run = startWorker({ operation: "up", stage: "s", options: {}, runner: { module: "node:path" } }, {});
  assert.deepEqual(await run.result, { status: "failed", error: "node:path does not export createRunner" });
});
