// The append-only audit log: one JSON line per request and one per run result. The file is opened
// with O_APPEND and every record is written with one write() and fsync'd before the call returns.
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import * as path from "node:path";

export interface RequestRecord {
  kind: "request";
  requestId: string;
  via: "http" | "slack";
  /** Token name; null when unauthenticated. */
  who: string | null;
  method: string;
  /** Path without query string (a query may carry a token). */
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

export type AuditRecord = RequestRecord | ResultRecord | ApprovalRecord;

export interface AuditSink {
  write(record: AuditRecord): void;
  close(): void;
}

export class AuditLog implements AuditSink {
  private fd: number | undefined;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.fd = openSync(file, "a", 0o600);
  }

  write(record: AuditRecord): void {
    if (this.fd === undefined) throw new Error("audit log is closed");
    const line = Buffer.from(JSON.stringify({ time: new Date().toISOString(), ...record }) + "\n", "utf8");
    let off = 0;
    while (off < line.length) off += writeSync(this.fd, line, off);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
