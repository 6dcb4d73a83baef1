// Faults the deploy bot must survive, each on real processes: `hive bot` itself, its worker
// processes, the Automation API, and a stand-in pulumi that locks stacks in a file backend.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { request, TOKENS } from "./helpers";
import { AWS_SECRET, auditLines, finished, makeSite, PASSPHRASE, startBotProcess } from "./procs";
import { until } from "../helpers/until";

const { alice, bob, admin } = TOKENS;

test("a cancel sent at once after an up takes effect: the update never completes", async () => {
  const site = makeSite();
  const bot = await startBotProcess(site.config("bot"), { ...site.env, STUB_SECONDS: "4" });
  try {
    const up = await request(bot.url, "POST", "/stacks/staging/up", { token: alice });
    assert.equal(up.status, 202);
    const runId = up.json.runId as string;
    const cancel = await request(bot.url, "POST", `/runs/${runId}/cancel`, { token: alice });
    assert.deepEqual([cancel.status, cancel.json], [202, { runId, cancelling: true }]);
    const run = await finished(bot.url, runId);
    assert.equal(run.status, "cancelled", JSON.stringify(run));
    // give a (wrongly) running update the time to finish, then check it never did
    await new Promise((r) => setTimeout(r, 4500));
    assert.ok(!site.stub().includes("up done staging"), site.stub().join("\n"));
    assert.deepEqual(site.lockFiles("staging"), []);
    // the stage is free again and a later up runs to its end
    const again = await request(bot.url, "POST", "/stacks/staging/refresh", { token: alice });
    assert.equal(again.status, 202);
  } finally {
    await bot.stop();
    rmSync(site.dir, { recursive: true, force: true });
  }
});

test("secrets the bot knows (passphrase, provider credentials) are masked in output, events and audit", async () => {
  const site = makeSite();
  const bot = await startBotProcess(site.config("bot"), site.env);
  try {
    const up = await request(bot.url, "POST", "/stacks/staging/up", { token: alice });
    const runId = up.json.runId as string;
    const run = await finished(bot.url, runId);
    assert.equal(run.status, "succeeded", JSON.stringify(run));
    const events = await request(bot.url, "GET", `/runs/${runId}/events`, { token: alice });
    assert.match(events.text, /with passphrase \[secret\] and key \[secret\]/);
    assert.match(events.text, /"message":"key \[secret\]/);
    const audit = path.join(site.dir, "bot-data", "audit.jsonl");
    for (const text of [events.text, JSON.stringify(run), bot.stderr(), JSON.stringify(auditLines(audit))]) {
      assert.ok(!text.includes(PASSPHRASE) && !text.includes(AWS_SECRET), text.slice(0, 400));
    }
  } finally {
    await bot.stop();
    rmSync(site.dir, { recursive: true, force: true });
  }
});

/** Mounts a tmpfs of `size` at `dir`; returns why not when this machine does not allow it. */
function mountTmpfs(dir: string, size: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  const res = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { encoding: "utf8" });
  return res.status === 0 ? undefined : `mount -t tmpfs failed (${(res.stderr || String(res.error)).trim()}); run as root`;
}

/** Fills the file system of `file` completely; returns the bytes written. */
function fill(file: string): number {
  const fd = openSync(file, "w");
  const block = Buffer.alloc(4096, 120);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
  return written;
}

test("audit disk full: requests get 503, nothing runs unaudited, no torn record, the bot stays up", async (t) => {
  const site = makeSite();
  const mnt = path.join(site.dir, "audit-disk");
  const why = mountTmpfs(mnt, "64k");
  if (why) {
    console.log(`skipping the full-disk test: ${why}`);
    t.skip(why);
    return;
  }
  const audit = path.join(mnt, "audit.jsonl");
  let bot = await startBotProcess(site.config("bot", { auditLog: audit }), site.env);
  try {
    assert.equal((await request(bot.url, "GET", "/stacks", { token: alice })).status, 200);
    const filler = path.join(mnt, "filler");
    fill(filler);
    // Records still fit in the last page of the log until one straddles its end and fails part-way.
    let refused = 0;
    for (let i = 0; i < 60 && refused === 0; i++) {
      const res = await request(bot.url, "GET", "/stacks/staging", { token: alice });
      if (res.status === 503) refused = i + 1;
      else assert.equal(res.status, 200);
    }
    assert.ok(refused > 0, "the full disk refused a record");
    const text = () => readFileSync(audit, "utf8");
    assert.ok(text().endsWith("\n"), "no torn record at the end of the audit log");
    for (const line of text().split("\n").filter(Boolean)) JSON.parse(line);

    const up = await request(bot.url, "POST", "/stacks/staging/up", { token: alice });
    assert.deepEqual([up.status, up.json], [503, { error: "the audit log cannot be written; nothing was done" }]);
    const anonymous = await request(bot.url, "GET", "/stacks");
    assert.ok([401, 503].includes(anonymous.status), String(anonymous.status));
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(site.stub(), [], "no update started");
    assert.equal(bot.child.exitCode, null, "the bot is still running");
    assert.ok(!text().includes('"/stacks/staging/up"'), "the refused up left no record");

    rmSync(filler);
    const ok = await request(bot.url, "POST", "/stacks/staging/up", { token: alice });
    assert.equal(ok.status, 202);
    assert.equal((await finished(bot.url, ok.json.runId as string)).status, "succeeded");
    assert.equal((await request(bot.url, "GET", "/stacks/staging", { token: alice })).json.lock, null, "the refused up took no lock");

    // A crash in the middle of a record leaves a torn line; the next start cuts it off.
    await bot.stop();
    appendFileSync(audit, '{"time":"2026-12-05T00:00:00.000Z","kind":"requ');
    bot = await startBotProcess(site.config("bot", { auditLog: audit }), site.env);
    assert.equal((await request(bot.url, "GET", "/stacks", { token: alice })).status, 200);
    const lines = text().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const start = lines.filter((l) => l.kind === "start").at(-1);
    assert.equal(start?.repairedBytes, 47);
    assert.match(bot.stderr(), /the audit log ended in a torn record; it was cut off/);
  } finally {
    await bot.stop();
    spawnSync("umount", [mnt]);
    rmSync(site.dir, { recursive: true, force: true });
  }
});

test("file descriptors exhausted: the up that cannot start its worker fails and frees the stage", async () => {
  const site = makeSite();
  const bot = await startBotProcess(site.config("bot"), site.env, { shell: "ulimit -n 96;" });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const viaAgent = (method: string, pathname: string) =>
    new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const req = http.request(new URL(pathname, bot.url), { method, agent, headers: { authorization: `Bearer ${alice}` } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(body) as Record<string, unknown> }));
      });
      req.on("error", reject);
      req.end();
    });
  const slow: net.Socket[] = [];
  try {
    assert.equal((await viaAgent("GET", "/stacks")).status, 200, "the kept-alive connection is open");
    const { port } = new URL(bot.url);
    for (let i = 0; i < 150; i++) {
      const socket = net.connect(Number(port), "127.0.0.1");
      socket.on("error", () => undefined);
      slow.push(socket);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const up = await viaAgent("POST", "/stacks/staging/up");
    assert.equal(up.status, 202, JSON.stringify(up.json));
    const runId = up.json.runId as string;
    let run: Record<string, unknown> = {};
    await until("the run to fail", async () => {
      run = (await viaAgent("GET", `/runs/${runId}`)).json.run as Record<string, unknown>;
      return run.status !== "running";
    });
    assert.equal(run.status, "failed");
    assert.match(String((run.result as { error: string }).error), /worker could not be started: .*EMFILE/);
    const cancel = await viaAgent("POST", `/runs/${runId}/cancel`);
    assert.equal(cancel.status, 409, "no 202 for a run that is not running");
    for (const s of slow) s.destroy();
    await new Promise((r) => setTimeout(r, 500));
    const stack = await request(bot.url, "GET", "/stacks/staging", { token: alice });
    assert.equal(stack.json.lock, null, "the lock was released");
    const again = await request(bot.url, "POST", "/stacks/staging/up", { token: alice });
    assert.equal(again.status, 202);
    assert.equal((await finished(bot.url, again.json.runId as string)).status, "succeeded");
  } finally {
    for (const s of slow) s.destroy();
    agent.destroy();
    await bot.stop();
    rmSync(site.dir, { recursive: true, force: true });
  }
});

test("kill -9 and restart: approvals and history kept, the in-flight run interrupted, the stale backend lock shown and unlockable, orphan plans removed", async () => {
  const site = makeSite();
  const config = site.config("bot");
  const data = path.join(site.dir, "bot-data");
  let bot = await startBotProcess(config, { ...site.env, STUB_SECONDS: "60" }, { detached: true });
  try {
    const previewId = (await request(bot.url, "POST", "/stacks/production/preview", { token: alice })).json.runId as string;
    assert.equal((await finished(bot.url, previewId)).status, "succeeded");
    assert.equal((await request(bot.url, "POST", `/runs/${previewId}/approve`, { token: bob })).status, 200);
    const upId = (await request(bot.url, "POST", "/stacks/staging/up", { token: alice })).json.runId as string;
    await until("the update to hold the backend lock", () => site.lockFiles("staging").length === 1);
    writeFileSync(path.join(data, "plans", "orphan.json"), "{}");

    process.kill(-bot.child.pid!, "SIGKILL");
    await bot.exited;
    assert.equal(site.lockFiles("staging").length, 1, "the killed CLI left its lock");

    bot = await startBotProcess(config, site.env);
    const up = (await request(bot.url, "GET", `/runs/${upId}`, { token: alice })).json.run as Record<string, unknown>;
    assert.equal(up.status, "interrupted");
    const preview = (await request(bot.url, "GET", `/runs/${previewId}`, { token: alice })).json.run as Record<string, unknown>;
    assert.equal((preview.approval as { by: string }).by, "bob");
    assert.ok(!existsSync(path.join(data, "plans", "orphan.json")), "the orphan plan file was removed");
    assert.ok(existsSync(path.join(data, "plans", `${previewId}.json`)), "the approved preview keeps its plan");

    const stack = await request(bot.url, "GET", "/stacks/staging", { token: alice });
    const lock = stack.json.lock as Record<string, unknown>;
    assert.deepEqual([lock.backend, lock.stale, typeof lock.pid], ["file", true, "number"]);
    const blocked = await request(bot.url, "POST", "/stacks/staging/up", { token: alice });
    assert.equal(blocked.status, 409);
    assert.equal(
      blocked.json.error,
      "stage staging is locked in the state backend; its process is gone: an admin can remove the lock with POST /stacks/staging/unlock",
    );
    assert.equal((await request(bot.url, "POST", "/stacks/staging/unlock", { token: admin })).status, 200);
    assert.equal((await request(bot.url, "GET", "/stacks/staging", { token: alice })).json.lock, null);
    const retry = await request(bot.url, "POST", "/stacks/staging/up", { token: alice });
    assert.equal(retry.status, 202);
    assert.equal((await finished(bot.url, retry.json.runId as string)).status, "succeeded");

    // the approval survived the restart and is applied once
    const prod = await request(bot.url, "POST", "/stacks/production/up", { token: alice, body: { previewRunId: previewId } });
    assert.equal(prod.status, 202, JSON.stringify(prod.json));
    assert.equal((await finished(bot.url, prod.json.runId as string)).status, "succeeded");

    const audit = auditLines(path.join(data, "audit.jsonl"));
    const start = audit.filter((r) => r.kind === "start").at(-1)!;
    assert.deepEqual(start.interrupted, [upId]);
    assert.equal((start.backendLocks as Record<string, { stale: boolean }>).staging.stale, true);
    assert.ok(audit.some((r) => r.kind === "result" && r.runId === upId && r.status === "interrupted"));
  } finally {
    await bot.stop();
    rmSync(site.dir, { recursive: true, force: true });
  }
});

test("two bots on one file backend: one updates, the other answers 409 naming the backend lock", async () => {
  const site = makeSite();
  const first = await startBotProcess(site.config("first"), { ...site.env, STUB_SECONDS: "60" });
  const second = await startBotProcess(site.config("second"), site.env);
  try {
    const up = await request(first.url, "POST", "/stacks/staging/up", { token: alice });
    assert.equal(up.status, 202);
    await until("the first bot's update to hold the backend lock", () => site.lockFiles("staging").length === 1);
    const other = await request(second.url, "POST", "/stacks/staging/up", { token: bob });
    assert.equal(other.status, 409);
    assert.equal(other.json.error, "stage staging is locked in the state backend");
    const holder = other.json.holder as Record<string, unknown>;
    assert.deepEqual([holder.backend, holder.stale], ["file", false]);
    assert.deepEqual((await request(second.url, "GET", "/stacks/staging", { token: bob })).json.lock, holder);
    assert.equal(site.stub().filter((l) => l === "up start staging").length, 1, "one update ran");

    assert.equal((await request(first.url, "POST", `/runs/${up.json.runId as string}/cancel`, { token: alice })).status, 202);
    assert.equal((await finished(first.url, up.json.runId as string)).status, "cancelled");
    await until("the lock to go", () => site.lockFiles("staging").length === 0);
    const now = await request(second.url, "POST", "/stacks/staging/up", { token: bob });
    assert.equal(now.status, 202);
    assert.equal((await finished(second.url, now.json.runId as string, bob)).status, "succeeded");
  } finally {
    await Promise.all([first.stop(), second.stop()]);
    rmSync(site.dir, { recursive: true, force: true });
  }
});
