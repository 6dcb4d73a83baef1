// The append-only audit log: one JSON line per request and one per run result. Each record is written
// whole or not at all: one write() on an O_APPEND descriptor, fsync'd before write() returns; when a
// write fails part-way (a full disk), the file is cut back to the end of the previous record, and a
// line torn by a crash is cut off when the log is opened. write() throws when the record could not be
// made durable, so callers can refuse to act unaudited.
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from "node:fs";
import * as path from "node:path";

export interface RequestRecord {
  kind: "request";
  requestId: string;
  via: "http" | "slack";
  /** Token name; null when unauthenticated. */
  who: string | null;
  method: string;
  /** Path without query string (a query may carry a token); cut to MAX_AUDIT_PATH characters. */
  path: string;
  action?: string;
  stage?: string;
  runId?: string;
  /** HTTP status of the answer. */
  status: number;
  /** Slack commands: the command's own outcome (Slack is always answered with 200). */
  outcome?: number;
}

export interface ResultRecord {
  kind: "result";
  runId: string;
  who: string;
  stage: string;
  operation: string;
  status: string;
  changes?: Record<string, number>;
  error?: string;
}

export interface ApprovalRecord {
  kind: "approval" | "unlock";
  who: string;
  stage: string;
  runId?: string;
}

/** A request that was audited, then failed to take effect. */
export interface ErrorRecord {
  kind: "error";
  requestId: string;
  error: string;
}

/** Unauthenticated requests that were counted instead of recorded one by one. */
export interface SuppressedRecord {
  kind: "suppressed";
  count: number;
  since: string;
}

/** What the bot found when it started: a repaired log tail, interrupted runs, backend locks. */
export interface StartRecord {
  kind: "start";
  repairedBytes: number;
  interrupted: string[];
  backendLocks: Record<string, unknown>;
}

export type AuditRecord = RequestRecord | ResultRecord | ApprovalRecord | ErrorRecord | SuppressedRecord | StartRecord;

export interface AuditSink {
  /** Writes the record durably, or throws. */
  write(record: AuditRecord): void;
  close(): void;
}

export const MAX_AUDIT_PATH = 200;

/** Cuts a torn last line (no trailing newline) off an open log; returns the bytes removed. */
function repairTail(fd: number): number {
  const size = fstatSync(fd).size;
  if (size === 0) return 0;
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const at = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (at >= 0) {
      const keep = start + at + 1;
      if (keep < size) {
        ftruncateSync(fd, keep);
        fsyncSync(fd);
      }
      return size - keep;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
  fsyncSync(fd);
  return size;
}

export class AuditLog implements AuditSink {
  private fd: number | undefined;
  private tornAt: number | undefined;
  /** Bytes of a torn last line removed when the log was opened. */
  readonly repairedBytes: number;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.fd = openSync(file, "a+", 0o600);
    this.repairedBytes = repairTail(this.fd);
  }

  write(record: AuditRecord): void {
    if (this.fd === undefined) throw new Error("audit log is closed");
    const line = Buffer.from(JSON.stringify({ time: new Date().toISOString(), ...record }) + "\n", "utf8");
    // A record that failed part-way and could not be cut back then is cut back before anything else.
    if (this.tornAt !== undefined) {
      ftruncateSync(this.fd, this.tornAt);
      this.tornAt = undefined;
    }
    // Where this record starts (another writer may have appended since the last one).
    const start = fstatSync(this.fd).size;
    try {
      let off = 0;
      while (off < line.length) off += writeSync(this.fd, line, off, line.length - off);
      fsyncSync(this.fd);
    } catch (err) {
      // Cutting back needs no free space; should even that fail, the next write (or open) retries.
      try {
        ftruncateSync(this.fd, start);
      } catch {
        this.tornAt = start;
      }
      throw err;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * How many unauthenticated requests are recorded one by one: a token bucket (`burst` records, then
 * `perSecond`); the rest are counted and the count is recorded later as one `suppressed` record.
 */
export class AnonymousBudget {
  private tokens: number;
  private last: number;
  suppressed = 0;
  suppressedSince: number | undefined;

  constructor(
    private readonly perSecond = 5,
    private readonly burst = 50,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** True when this request may be recorded; otherwise it is counted. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    if (this.suppressed === 0) this.suppressedSince = t;
    this.suppressed++;
    return false;
  }

  /** The pending count as a record (and resets it), or undefined when nothing was counted. */
  drain(): SuppressedRecord | undefined {
    if (this.suppressed === 0) return undefined;
    const record: SuppressedRecord = { kind: "suppressed", count: this.suppressed, since: new Date(this.suppressedSince ?? this.now()).toISOString() };
    this.suppressed = 0;
    this.suppressedSince = undefined;
    return record;
  }

  /** Puts a drained count back after its record could not be written. */
  restore(record: SuppressedRecord): void {
    this.suppressed += record.count;
    this.suppressedSince = Math.min(this.suppressedSince ?? Infinity, Date.parse(record.since));
  }
}
