// Fixtures for the fault tests: `hive bot` as a real process over the real Automation API runner and
// worker processes, a stand-in pulumi (fixtures/pulumi-backend.sh) that locks stacks in a file
// backend, and a folder for everything (data, backend, project) that the test removes.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { request, TOKENS } from "./helpers";
import { until } from "../helpers/until";

export const HIVE = path.join(__dirname, "../../bin/hive.js");
const STUB = path.join(__dirname, "fixtures/pulumi-backend.sh");
const sha = (t: string) => `sha256:${createHash("sha256").update(t).digest("hex")}`;

export const PASSPHRASE = "stack-passphrase-Q7wLz9";
export const AWS_SECRET = "aws-secret-key-M3nP0qR8";

export interface Site {
  dir: string;
  project: string;
  backend: string;
  stubLog: string;
  env: NodeJS.ProcessEnv;
  /** Lines the stand-in pulumi logged ("up start staging", "up done staging", …). */
  stub(): string[];
  lockDir(stage: string): string;
  lockFiles(stage: string): string[];
  /** Writes a bot configuration (JSON) with these overrides; returns its path. */
  config(name: string, over?: Record<string, unknown>): string;
}

export function makeSite(root = mkdtempSync(path.join(tmpdir(), "hive-bot-faults-"))): Site {
  const dir = root;
  mkdirSync(path.join(dir, "bin"), { recursive: true });
  symlinkSync(STUB, path.join(dir, "bin", "pulumi"));
  const project = path.join(dir, "project");
  mkdirSync(project, { recursive: true });
  writeFileSync(path.join(project, "Pulumi.yaml"), "name: stubbed\nruntime: nodejs\n");
  const backend = path.join(dir, "backend");
  mkdirSync(backend, { recursive: true });
  const stubLog = path.join(dir, "stub.log");
  writeFileSync(stubLog, "");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
    PULUMI_HOME: path.join(dir, "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    AWS_SECRET_ACCESS_KEY: AWS_SECRET,
    STUB_LOG: stubLog,
    STUB_SECONDS: "0",
  };
  const lockDir = (stage: string) => path.join(backend, ".pulumi/locks/organization/stubbed", stage);
  return {
    dir,
    project,
    backend,
    stubLog,
    env,
    stub: () => readFileSync(stubLog, "utf8").split("\n").filter(Boolean),
    lockDir,
    lockFiles: (stage) => (existsSync(lockDir(stage)) ? readdirSync(lockDir(stage)).filter((n) => n.endsWith(".json")) : []),
    config(name, over = {}) {
      const file = path.join(dir, `${name}.json`);
      const config = {
        dataDir: path.join(dir, `${name}-data`),
        workDir: project,
        shutdownTimeoutSeconds: 1,
        approvalStages: ["production"],
        tokens: [
          { name: "alice", hash: sha(TOKENS.alice), stages: ["*"], actions: ["preview", "up", "refresh", "destroy", "approve"] },
          { name: "bob", hash: sha(TOKENS.bob), stages: ["*"], actions: ["preview", "up", "approve"] },
          { name: "admin", hash: sha(TOKENS.admin), stages: ["*"], actions: ["admin"] },
        ],
        ...over,
      };
      writeFileSync(file, JSON.stringify(config));
      return file;
    },
  };
}

export interface BotProcess {
  child: ChildProcess;
  url: string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait (or SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/**
 * Starts `hive bot --config FILE --port 0` and waits for it to listen. `shell` prefixes the command
 * (e.g. `ulimit -n 64;`); `detached` gives it its own process group (so a test can kill the group).
 */
export async function startBotProcess(
  configFile: string,
  env: NodeJS.ProcessEnv,
  opts: { shell?: string; detached?: boolean } = {},
): Promise<BotProcess> {
  const args = [HIVE, "bot", "--config", configFile, "--port", "0", "--host", "127.0.0.1"];
  const child = opts.shell
    ? spawn("bash", ["-c", `${opts.shell} exec "$0" "$@"`, process.execPath, ...args], { env, stdio: ["ignore", "ignore", "pipe"], detached: opts.detached })
    : spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"], detached: opts.detached });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on("data", (chunk: string) => {
      stderr += chunk;
      const m = /"msg":"bot listening","url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr);
      if (m) resolve(m[1]);
    });
    void exited.then(() => reject(new Error(`the bot exited early: ${stderr}`)));
  });
  return {
    child,
    url,
    stderr: () => stderr,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}


/** The run once it is no longer running. */
export async function finished(url: string, runId: string, token = TOKENS.alice): Promise<Record<string, unknown>> {
  let run: Record<string, unknown> = {};
  await until(`run ${runId} to finish`, async () => {
    run = (await request(url, "GET", `/runs/${runId}`, { token })).json.run as Record<string, unknown>;
    return run !== undefined && run.status !== "running";
  });
  return run;
}

export function auditLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
