// The crash-safe journal and the store on it: torn tails are cut at any byte, a failed append leaves
// the file as it was (a real full tmpfs), compaction keeps the state; the audit log's own repair.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { AnonymousBudget, AuditLog } from "../../src/bot/audit";
import { frame, Journal, readFrames } from "../../src/bot/journal";
import { BotStore, type StoredRun } from "../../src/bot/store";

const tmp = () => mkdtempSync(path.join(tmpdir(), "hive-journal-"));

test("a journal replays its records; a tail torn at any byte is cut off and the next append follows the last whole record", () => {
  const dir = tmp();
  try {
    const records = [{ a: 1 }, { b: "two" }, { c: [3, "drei", { d: null }] }];
    const whole = Buffer.concat(records.map(frame));
    const lastStart = whole.length - frame(records[2]).length;
    for (let cut = lastStart; cut < whole.length; cut++) {
      const file = path.join(dir, `j${cut}`);
      writeFileSync(file, whole.subarray(0, cut));
      const j = Journal.open(file);
      assert.deepEqual(j.records, records.slice(0, 2), `cut at ${cut}`);
      assert.equal(j.repairedBytes, cut - lastStart);
      j.append({ e: 5 });
      j.close();
      assert.deepEqual(Journal.open(file).records, [...records.slice(0, 2), { e: 5 }]);
    }
    // a flipped bit in the last record is caught by its checksum
    const corrupt = Buffer.from(whole);
    corrupt[whole.length - 2] ^= 1;
    assert.deepEqual(readFrames(corrupt).records, records.slice(0, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rewrite replaces the journal atomically and appends continue after it", () => {
  const dir = tmp();
  try {
    const file = path.join(dir, "state.journal");
    const j = Journal.open(file);
    for (let i = 0; i < 10; i++) j.append({ i });
    j.rewrite([{ i: 9 }]);
    j.append({ i: 10 });
    j.close();
    assert.deepEqual(Journal.open(file).records, [{ i: 9 }, { i: 10 }]);
    assert.equal(statSync(file).size, frame({ i: 9 }).length + frame({ i: 10 }).length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const run = (id: string, over: Partial<StoredRun> = {}): StoredRun => ({
  id,
  stage: "staging",
  operation: "preview",
  by: "alice",
  status: "running",
  createdAt: "2026-01-01T00:00:00.000Z",
  plan: false,
  ...over,
});

test("the store keeps runs and replay keys across reopening, and compaction keeps only the live state", () => {
  const dir = tmp();
  try {
    let store = new BotStore(dir);
    store.saveRun(run("r1"));
    store.saveRun(run("r1", { status: "succeeded", approval: { by: "bob", at: "a", expiresAt: "b" } }));
    store.saveRun(run("r2"));
    store.forgetRun("r2");
    assert.equal(store.claimOnce("k", 2000, 1000), true);
    assert.equal(store.claimOnce("k", 2000, 1500), false);
    store.close();
    store = new BotStore(dir);
    assert.deepEqual([...store.runs.keys()], ["r1"]);
    assert.equal(store.runs.get("r1")?.approval?.by, "bob");
    assert.equal(store.claimOnce("k", 2000, 1999), false, "a replay key survives a restart");
    assert.equal(store.claimOnce("k", 4000, 2000), true, "and expires");
    for (let i = 0; i < 600; i++) store.saveRun(run("r1", { status: "succeeded", finishedAt: String(i) }));
    store.compact(5000);
    store.close();
    const journal = Journal.open(path.join(dir, "state.journal"));
    assert.equal(journal.records.length, 1, "only r1 is left (the replay key expired)");
    journal.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function fillDisk(file: string): void {
  const fd = openSync(file, "w");
  const block = Buffer.alloc(4096, 120);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}

test("on a full disk (tmpfs) a failed append or audit record leaves no partial bytes", (t) => {
  const dir = tmp();
  const mnt = path.join(dir, "disk");
  mkdirSync(mnt);
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], { encoding: "utf8" });
  if (mounted.status !== 0) {
    const why = `mount -t tmpfs failed (${mounted.stderr.trim()}); run as root`;
    console.log(`skipping the full-disk journal test: ${why}`);
    t.skip(why);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  try {
    const journal = Journal.open(path.join(mnt, "state.journal"));
    const audit = new AuditLog(path.join(mnt, "audit.jsonl"));
    journal.append({ first: true });
    audit.write({ kind: "approval", who: "a", stage: "s" });
    fillDisk(path.join(mnt, "filler"));
    const big = { pad: "x".repeat(6000) };
    assert.throws(() => journal.append(big), /ENOSPC/);
    assert.throws(() => audit.write({ kind: "error", requestId: "r", error: "y".repeat(6000) }), /ENOSPC/);
    assert.equal(statSync(path.join(mnt, "state.journal")).size, frame({ first: true }).length, "the journal was cut back");
    assert.ok(readFileSync(path.join(mnt, "audit.jsonl"), "utf8").endsWith("}\n"), "the audit log was cut back");
    rmSync(path.join(mnt, "filler"));
    journal.append({ second: true });
    journal.close();
    audit.close();
    const reopened = Journal.open(path.join(mnt, "state.journal"));
    reopened.close();
    assert.deepEqual(reopened.records, [{ first: true }, { second: true }]);
  } finally {
    spawnSync("umount", [mnt]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the audit log cuts a torn last line when opened", () => {
  const dir = tmp();
  try {
    const file = path.join(dir, "audit.jsonl");
    writeFileSync(file, '{"kind":"a"}\n{"kind":"b"}\n{"kind":"re');
    const audit = new AuditLog(file);
    assert.equal(audit.repairedBytes, 11);
    audit.write({ kind: "approval", who: "w", stage: "s" });
    audit.close();
    const lines = readFileSync(file, "utf8").split("\n");
    assert.deepEqual(lines.slice(0, 2), ['{"kind":"a"}', '{"kind":"b"}']);
    assert.match(lines[2], /^\{"time":"[^"]+","kind":"approval","who":"w","stage":"s"\}$/);
    appendFileSync(file, "no newline at all");
    writeFileSync(file, "torn");
    assert.equal(new AuditLog(file).repairedBytes, 4);
    assert.equal(readFileSync(file, "utf8"), "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("AnonymousBudget records a burst, then a steady rate, and counts the rest", () => {
  let now = 0;
  const budget = new AnonymousBudget(5, 10, () => now);
  const taken = Array.from({ length: 30 }, () => budget.take()).filter(Boolean).length;
  assert.equal(taken, 10);
  now += 1000;
  assert.equal(Array.from({ length: 30 }, () => budget.take()).filter(Boolean).length, 5);
  assert.deepEqual(budget.drain(), { kind: "suppressed", count: 45, since: "1970-01-01T00:00:00.000Z" });
  assert.equal(budget.drain(), undefined);
});

test("one data folder serves one bot: a second store on it is refused, a folder left by a dead process is taken over", () => {
  const dir = tmp();
  try {
    const first = new BotStore(dir);
    assert.throws(() => new BotStore(path.join(dir, ".")), /^Error: another bot \(pid \d+\) uses the data folder .*: give each bot its own dataDir$/);
    first.close();
    // a pid file whose process is gone (a crashed bot)
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    writeFileSync(path.join(dir, "bot.pid"), `${dead}\n`);
    const second = new BotStore(dir);
    assert.equal(readFileSync(path.join(dir, "bot.pid"), "utf8"), `${process.pid}\n`);
    second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
