// Assembling the deploy bot from its configuration.
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { parse } from "yaml";
import { AuditLog, type AuditSink } from "./audit";
import { TokenVerifier } from "./auth";
import { FileBackendLocks, fileBackendDir, type BackendLocks } from "./backend-lock";
import type { BotConfig } from "./config";
import { WorkerExecutor, type Executor } from "./executor";
import { BotServer } from "./http";
import { jsonLogger, type Logger } from "./log";
import { environmentSecrets } from "./secrets";
import { BotService } from "./service";
import { BotStore } from "./store";
import { resolveBackendUrl } from "../automation/backend";
import { loadRunner } from "../automation/worker";
import type { RunnerSpec, StackRunner } from "../automation/types";

export interface StartOptions {
  port?: number;
  host?: string;
  log?: Logger;
  /** Defaults to one worker process per update running the configured runner. */
  executor?: Executor;
  /** Defaults to the configured runner, loaded in this process (outputs and cancel only). */
  stacks?: Pick<StackRunner, "outputs" | "cancel">;
  audit?: AuditSink;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** How the bot reads the state backend's locks; default: the file backend the runner uses, if any. */
  backendLocks?: BackendLocks | null;
  /** Log, instead of dying of, an error that escaped every handler (default true; off in tests). */
  guardProcess?: boolean;
}

export interface RunningBot {
  address: AddressInfo;
  url: string;
  server: BotServer;
  service: BotService;
  /** Graceful shutdown (see BotServer.close); closes the audit log last. */
  close(timeoutMs?: number): Promise<void>;
}

/** The runner the bot's workers use: the configured module, else the Automation API runner. */
export function runnerSpec(config: BotConfig): RunnerSpec {
  return config.runner ?? { module: path.join(__dirname, "../automation/local.ts"), options: { workDir: config.workDir } };
}

const REPO_ROOT = path.resolve(__dirname, "../..");

/** The file backend the configured runner uses, read the way the runner reads it (see backend.ts). */
export function defaultBackendLocks(config: BotConfig, env: NodeJS.ProcessEnv): BackendLocks | null {
  const options = (config.runner?.options ?? {}) as { workDir?: unknown; backendUrl?: unknown };
  const workDir = typeof options.workDir === "string" ? options.workDir : (config.workDir ?? REPO_ROOT);
  const explicit = typeof options.backendUrl === "string" ? options.backendUrl : undefined;
  // A test runner module has no backend unless one is named.
  if (config.runner && !explicit && !env.PULUMI_BACKEND_URL) return null;
  const dir = fileBackendDir(resolveBackendUrl(workDir, explicit, env));
  if (!dir) return null;
  let project: string;
  try {
    project = String((parse(readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8")) as { name?: unknown }).name ?? "");
  } catch {
    return null;
  }
  return project ? new FileBackendLocks(path.resolve(workDir, dir), project) : null;
}

export async function startBot(config: BotConfig, opts: StartOptions = {}): Promise<RunningBot> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? jsonLogger();
  let slack;
  if (config.slack) {
    const signingSecret = env[config.slack.signingSecretEnv];
    if (!signingSecret) throw new Error(`the Slack signing secret is missing: set ${config.slack.signingSecretEnv}`);
    slack = { signingSecret, users: config.slack.users };
  }
  const spec = runnerSpec(config);
  // Updates run the project's program: it has no business seeing the bot's Slack signing secret.
  const workerEnv = { ...env };
  if (config.slack) delete workerEnv[config.slack.signingSecretEnv];
  const auditLog = opts.audit ? undefined : new AuditLog(config.auditLog);
  const audit = opts.audit ?? auditLog!;
  if (auditLog?.repairedBytes) log("warn", "the audit log ended in a torn record; it was cut off", { bytes: auditLog.repairedBytes });
  const store = new BotStore(config.dataDir);
  if (store.repairedBytes) log("warn", "the state journal ended in a torn record; it was cut off", { bytes: store.repairedBytes });
  const service = new BotService({
    settings: {
      stages: config.stages,
      approvalStages: config.approvalStages,
      approvalTtlMs: config.approvalTtlMs,
      dataDir: config.dataDir,
      statusCacheMs: config.statusCacheMs,
    },
    executor: opts.executor ?? new WorkerExecutor(spec, undefined, workerEnv),
    stacks: opts.stacks ?? loadRunner(spec),
    audit,
    store,
    log,
    backendLocks: opts.backendLocks === undefined ? (defaultBackendLocks(config, env) ?? undefined) : (opts.backendLocks ?? undefined),
    secrets: environmentSecrets(env, config.secretEnv),
    now: opts.now,
  });
  // What the bot found: a torn audit tail, runs a crash interrupted, locks left in the backend.
  const backendLocks = await service.backendLocks();
  for (const [stage, lock] of Object.entries(backendLocks))
    log("warn", lock.stale ? "a stale backend lock holds a stage (an admin can unlock it)" : "a backend lock holds a stage", { stage, lock });
  try {
    audit.write({ kind: "start", repairedBytes: auditLog?.repairedBytes ?? 0, interrupted: service.interrupted, backendLocks });
  } catch (err) {
    log("error", "writing the audit log failed", { kind: "start", error: String(err) });
  }
  const server = new BotServer({
    service,
    verifier: new TokenVerifier(config.tokens),
    tokens: config.tokens,
    audit,
    store,
    log,
    slack,
    nowSeconds: opts.now && (() => Math.floor(opts.now!() / 1000)),
  });
  const guard = (err: unknown) => log("error", "an error escaped its handler; the bot keeps running", { error: String(err).split("\n")[0] });
  if (opts.guardProcess !== false) {
    process.on("uncaughtException", guard);
    process.on("unhandledRejection", guard);
  }
  let address: AddressInfo;
  try {
    address = await server.listen(opts.port ?? config.port, opts.host ?? config.host);
  } catch (err) {
    // Nothing runs yet: release what was opened and give the error to the caller.
    await server.close(0);
    audit.close();
    store.close();
    process.off("uncaughtException", guard);
    process.off("unhandledRejection", guard);
    throw err;
  }
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  log("info", "bot listening", { url: `http://${host}:${address.port}`, stages: config.stages });
  let closing: Promise<void> | undefined;
  return {
    address,
    url: `http://${host}:${address.port}`,
    server,
    service,
    close(timeoutMs = config.shutdownTimeoutMs) {
      closing ??= server.close(timeoutMs).then(() => {
        log("info", "bot stopped");
        audit.close();
        store.close();
        process.off("uncaughtException", guard);
        process.off("unhandledRejection", guard);
      });
      return closing;
    },
  };
}
