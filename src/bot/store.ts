// The bot's durable state, kept in a journal under its data folder: every run (with its approval
// and the plan file it owns) and the Slack request signatures seen within the replay window.
// Each change is one journal record written before the change takes effect; the journal is
// compacted once most of it describes superseded versions.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import * as path from "node:path";
import { alive } from "./backend-lock";
import { Journal } from "./journal";
import type { Operation, RunResult } from "../automation/types";

export type RunStatus = "running" | "succeeded" | "failed" | "cancelled" | "interrupted";

export interface Approval {
  by: string;
  at: string;
  expiresAt: string;
  /** The run that consumed the approval (single use). */
  usedBy?: string;
}

/** A run as the store keeps it. */
export interface StoredRun {
  id: string;
  stage: string;
  operation: Operation;
  destroy?: boolean;
  by: string;
  status: RunStatus;
  createdAt: string;
  finishedAt?: string;
  previewRunId?: string;
  /** preview: a plan was saved; up: a plan was applied. */
  plan: boolean;
  approval?: Approval;
  result?: RunResult;
  /** The plan file this run owns (a preview's saved plan) while it may still be applied. */
  planFile?: string;
  /** When the plan file stops being usable (ms since the epoch). */
  planExpiresAt?: number;
}

type Entry =
  | { t: "run"; run: StoredRun }
  | { t: "forget"; id: string }
  | { t: "replay"; key: string; until: number };

/** Compaction happens when the journal holds this many records more than the live state needs. */
const COMPACT_SLACK = 500;

/**
 * Takes `<dir>/bot.pid` for this process, so that two bots never share one journal; a file left by
 * a process that is gone (a crash) is taken over.
 */
function claimFolder(dir: string): string {
  const file = path.join(dir, "bot.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
      if (Number.isInteger(pid) && pid > 0 && alive(pid))
        throw new Error(`another bot (pid ${pid}) uses the data folder ${dir}: give each bot its own dataDir`);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot claim the data folder ${dir}`);
}

export class BotStore {
  readonly runs = new Map<string, StoredRun>();
  private readonly replays = new Map<string, number>();
  private readonly journal: Journal;
  private readonly pidFile: string;
  private records = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.pidFile = claimFolder(dir);
    try {
      this.journal = Journal.open(path.join(dir, "state.journal"));
    } catch (err) {
      rmSync(this.pidFile, { force: true });
      throw err;
    }
    for (const entry of this.journal.records as Entry[]) this.apply(entry);
    this.records = this.journal.records.length;
  }

  /** Bytes of a torn tail that opening the journal removed (0 after a clean stop). */
  get repairedBytes(): number {
    return this.journal.repairedBytes;
  }

  private apply(entry: Entry): void {
    if (entry.t === "run") this.runs.set(entry.run.id, entry.run);
    else if (entry.t === "forget") this.runs.delete(entry.id);
    else if (entry.t === "replay") this.replays.set(entry.key, entry.until);
  }

  private write(entry: Entry): void {
    this.journal.append(entry);
    this.apply(entry);
    this.records++;
  }

  /** Saves a run (a deep copy); throws, with nothing changed, when the journal cannot be written. */
  saveRun(run: StoredRun): void {
    this.write({ t: "run", run: JSON.parse(JSON.stringify(run)) as StoredRun });
  }

  forgetRun(id: string): void {
    if (this.runs.has(id)) this.write({ t: "forget", id });
  }

  /**
   * Records a request key (e.g. a Slack signature) as seen until `until` (ms). Returns false when it
   * was already seen and has not expired; throws when the journal cannot be written.
   */
  claimOnce(key: string, until: number, now: number): boolean {
    const seen = this.replays.get(key);
    if (seen !== undefined && seen > now) return false;
    this.write({ t: "replay", key, until });
    return true;
  }

  /** Drops expired replay keys and rewrites the journal when it has grown well past the live state. */
  compact(now: number, force = false): void {
    for (const [key, until] of this.replays) if (until <= now) this.replays.delete(key);
    const live = this.runs.size + this.replays.size;
    if (!force && this.records < live + COMPACT_SLACK) return;
    const entries: Entry[] = [
      ...[...this.runs.values()].map((run): Entry => ({ t: "run", run })),
      ...[...this.replays].map(([key, until]): Entry => ({ t: "replay", key, until })),
    ];
    this.journal.rewrite(entries);
    this.records = entries.length;
  }

  close(): void {
    this.journal.close();
    rmSync(this.pidFile, { force: true });
  }
}
