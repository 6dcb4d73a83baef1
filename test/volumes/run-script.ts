// Runs a component script under bash with the stub tools of test/volumes/stubs (plus extra stub dirs) first on
// PATH, a fresh ROOT and state directory, and returns what the stubs recorded.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ScriptEnv {
  readonly root: string;
  readonly state: string;
  readonly log: string;
}

export function newScriptEnv(): ScriptEnv {
  const dir = mkdtempSync(join(tmpdir(), "hive-script-"));
  const env = { root: join(dir, "root"), state: join(dir, "state"), log: join(dir, "calls.log") };
  spawnSync("mkdir", ["-p", env.root, env.state]);
  return env;
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Stub calls recorded during this run, one "tool args" per entry. */
  readonly calls: string[];
}

export function runScript(
  script: string,
  se: ScriptEnv,
  vars: { readonly [k: string]: string },
  opts: { stubDirs?: string[]; stdin?: string } = {},
): RunResult {
  const before = existsSync(se.log) ? readFileSync(se.log, "utf8").split("\n").filter(Boolean).length : 0;
  const stubDirs = [...(opts.stubDirs ?? []), join(__dirname, "stubs")];
  const r = spawnSync("bash", [script], {
    env: {
      PATH: `${stubDirs.join(":")}:/usr/bin:/bin`,
      HOME: se.root,
      ROOT: se.root,
      STUB_STATE: se.state,
      STUB_LOG: se.log,
      ...vars,
    },
    input: opts.stdin ?? "",
    encoding: "utf8",
  });
  const all = existsSync(se.log) ? readFileSync(se.log, "utf8").split("\n").filter(Boolean) : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: all.slice(before) };
}
