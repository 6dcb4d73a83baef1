// Shared fixtures for the bot tests: a bot on a loopback port (port 0) over the scripted runner,
// a small HTTP client, an SSE reader, and the audit/log lines it produced.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { parseConfig } from "../../src/bot/config";
import { InProcessExecutor, type Executor } from "../../src/bot/executor";
import { startBot, type RunningBot } from "../../src/bot/index";
import { ScriptedStackRunner, type ScriptedRunnerOptions } from "../../src/automation/scripted";

export const TOKENS = {
  alice: "alice-token-7f3b9c2e1d",
  bob: "bob-token-4a8e6f0c2b",
  carol: "carol-token-9d1c3e5a7f",
  admin: "admin-token-2b4d6f8a0c",
};

const sha = (t: string) => `sha256:${createHash("sha256").update(t).digest("hex")}`;

export const TOKEN_ENTRIES = [
  { name: "alice", hash: sha(TOKENS.alice), stages: ["staging", "production"], actions: ["preview", "up", "refresh", "destroy", "approve"] },
  { name: "bob", hash: sha(TOKENS.bob), stages: ["*"], actions: ["preview", "up", "approve"] },
  { name: "carol", hash: sha(TOKENS.carol), stages: ["staging"], actions: ["preview"] },
  { name: "admin", hash: sha(TOKENS.admin), stages: ["*"], actions: ["admin"] },
];

/** Secret values the scripted stack knows; no response, audit record or log line may contain them. */
export const SECRETS = ["s3cr3t-db-password-XYZ", "sk-registry-0a1b2c3d4e"];

export const SLACK_SECRET = "slack-signing-secret-1234567890";

export interface TestBot {
  bot: RunningBot;
  url: string;
  dir: string;
  runner: ScriptedStackRunner;
  logs: string[];
  auditLines(): Record<string, unknown>[];
  auditText(): string;
  /** Stops the bot and removes its folder, unless `keep` (to start another bot on it). */
  close(keep?: boolean): Promise<void>;
}

export async function startTestBot(
  opts: {
    runner?: ScriptedRunnerOptions;
    now?: () => number;
    executor?: (runner: ScriptedStackRunner, dir: string) => Executor;
    config?: Record<string, unknown>;
    env?: NodeJS.ProcessEnv;
    /** Reuse this folder (a restart of an earlier bot); default: a new one. */
    dir?: string;
  } = {},
): Promise<TestBot> {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), "hive-bot-"));
  const config = parseConfig(
    {
      port: 0,
      tokens: TOKEN_ENTRIES,
      slack: { users: { U111: "alice", U222: "carol" } },
      ...opts.config,
    },
    dir,
  );
  const runner = new ScriptedStackRunner({
    outputs: {
      siteName: { value: "pdns", secret: false },
      dbPassword: { value: SECRETS[0], secret: true },
    },
    secretConfig: [SECRETS[1]],
    ...opts.runner,
  });
  const logs: string[] = [];
  const bot = await startBot(config, {
    executor: opts.executor ? opts.executor(runner, dir) : new InProcessExecutor(runner),
    stacks: runner,
    log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })),
    env: { SLACK_SIGNING_SECRET: SLACK_SECRET, ...opts.env },
    now: opts.now,
    guardProcess: false,
  });
  const auditText = () => readFileSync(config.auditLog, "utf8");
  return {
    bot,
    url: bot.url,
    dir,
    runner,
    logs,
    auditText,
    auditLines: () =>
      auditText()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async close(keep = false) {
      await bot.close(1000);
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: Record<string, unknown>;
}

/** Every response body the tests saw, to prove no secret ever appears in one. */
export const SEEN_BODIES: string[] = [];

export function request(
  url: string,
  method: string,
  pathname: string,
  opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
    // A fresh connection per request (agent: false) so concurrent requests really are concurrent.
    const req = http.request(new URL(pathname, url), { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        SEEN_BODIES.push(text);
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = {};
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

/** Reads a run's event stream until the server ends it (after `end`). */
export function readEvents(url: string, runId: string, token: string, lastEventId?: number): Promise<{ status: number; events: SseEvent[]; raw: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "text/event-stream" };
    if (lastEventId !== undefined) headers["last-event-id"] = String(lastEventId);
    const req = http.get(new URL(`/runs/${runId}/events`, url), { headers, agent: false }, (res) => {
      let raw = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (raw += c));
      res.on("end", () => {
        SEEN_BODIES.push(raw);
        const events: SseEvent[] = [];
        for (const block of raw.split("\n\n")) {
          const fields: Record<string, string> = {};
          for (const line of block.split("\n")) {
            const m = /^(id|event|data): (.*)$/.exec(line);
            if (m) fields[m[1]] = m[2];
          }
          if (fields.event) events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
        }
        resolve({ status: res.statusCode ?? 0, events, raw });
      });
    });
    req.on("error", reject);
  });
}

/** Polls GET /runs/:id until the run is no longer running. */
export async function waitForRun(url: string, runId: string, token: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 500; i++) {
    const res = await request(url, "GET", `/runs/${runId}`, { token });
    const run = res.json.run as Record<string, unknown> | undefined;
    if (run && run.status !== "running") return run;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`run ${runId} did not finish`);
}

/** A promise with its resolve function, to hold a scripted update open. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
