// The state backend's own lock on a stack, read from a file backend (`file://…`): the Pulumi CLI
// writes `.pulumi/locks/<organization>/<project>/<stack>/<id>.json` (`.pulumi/locks/<stack>/` for
// backends without projects) while it updates a stack. A lock whose process ran on this host and is
// gone is stale: a killed CLI left it, and the next update would fail on it.
import { readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";

export interface BackendLock {
  backend: "file";
  user: string | null;
  host: string | null;
  pid: number | null;
  since: string | null;
  /** The locking process ran on this host and no longer exists. */
  stale: boolean;
}

export interface BackendLocks {
  read(stage: string): Promise<BackendLock | null>;
}

/** Whether the process exists and is not a zombie (a killed CLI whose parent died with it). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/** Parses a lock file's content; anything unreadable still counts as a lock (the CLI would refuse). */
export function describeLock(content: string, thisHost = hostname(), isAlive = alive): BackendLock {
  let data: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(content) as unknown;
    if (parsed && typeof parsed === "object") data = parsed as Record<string, unknown>;
  } catch {
    data = {};
  }
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  const pid = typeof data.pid === "number" && Number.isInteger(data.pid) && data.pid > 0 ? data.pid : null;
  const host = str(data.hostname);
  return { backend: "file", user: str(data.username), host, pid, since: str(data.timestamp), stale: pid !== null && host === thisHost && !isAlive(pid) };
}

export class FileBackendLocks implements BackendLocks {
  constructor(
    /** The backend folder (the path of the file:// URL). */
    private readonly dir: string,
    private readonly project: string,
  ) {}

  /** The stack's lock folders, project-scoped first. */
  private folders(stage: string): string[] {
    const locks = path.join(this.dir, ".pulumi", "locks");
    const orgs = (() => {
      try {
        return readdirSync(locks, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
      } catch {
        return [];
      }
    })();
    return [...orgs.map((org) => path.join(locks, org, this.project, stage)), path.join(locks, stage)];
  }

  async read(stage: string): Promise<BackendLock | null> {
    for (const folder of this.folders(stage)) {
      let names: string[];
      try {
        names = readdirSync(folder).filter((n) => n.endsWith(".json")).sort();
      } catch {
        continue;
      }
      for (const name of names) {
        try {
          return describeLock(readFileSync(path.join(folder, name), "utf8"));
        } catch {
          continue;
        }
      }
    }
    return null;
  }
}

/** The backend folder of a `file://` URL, or undefined for other backends. */
export function fileBackendDir(url: string): string | undefined {
  if (!url.startsWith("file://")) return undefined;
  const rest = url.slice("file://".length).split("?")[0];
  return rest.startsWith("~") ? path.join(process.env.HOME ?? "/", rest.slice(1)) : rest;
}
