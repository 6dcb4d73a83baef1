// Assembling the deploy bot from its configuration.
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { AuditLog, type AuditSink } from "./audit";
import { TokenVerifier } from "./auth";
import type { BotConfig } from "./config";
import { WorkerExecutor, type Executor } from "./executor";
import { BotServer } from "./http";
import { jsonLogger, type Logger } from "./log";
import { BotService } from "./service";
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
  const audit = opts.audit ?? new AuditLog(config.auditLog);
  const service = new BotService({
    settings: {
      stages: config.stages,
      approvalStages: config.approvalStages,
      approvalTtlMs: config.approvalTtlMs,
      dataDir: config.dataDir,
    },
    executor: opts.executor ?? new WorkerExecutor(spec, undefined, workerEnv),
    stacks: opts.stacks ?? loadRunner(spec),
    audit,
    log,
    now: opts.now,
  });
  const server = new BotServer({
    service,
    verifier: new TokenVerifier(config.tokens),
    tokens: config.tokens,
    audit,
    log,
    slack,
    nowSeconds: opts.now && (() => Math.floor(opts.now!() / 1000)),
  });
  const address = await server.listen(opts.port ?? config.port, opts.host ?? config.host);
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
      });
      return closing;
    },
  };
}
