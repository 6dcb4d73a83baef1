// The deploy bot's HTTP surface (node:http, no framework): routing, bearer auth, JSON bodies,
// Server-Sent Events, the Slack endpoint, the status page, one audit record per request.
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { bearerToken, type TokenEntry, type TokenVerifier } from "./auth";
import type { AuditSink, RequestRecord } from "./audit";
import type { Logger } from "./log";
import type { BotService, Reply, StreamRecord } from "./service";
import { parseSlashCommand, SLASH_HELP, verifySlackRequest } from "./slack";
import { OPERATIONS, type Operation } from "../automation/types";

export const MAX_BODY_BYTES = 64 * 1024;
export const HEARTBEAT_MS = 15_000;

export interface SlackSettings {
  signingSecret: string;
  /** Slack user id → token name. */
  users: Record<string, string>;
}

export interface BotServerDeps {
  service: BotService;
  verifier: TokenVerifier;
  tokens: TokenEntry[];
  audit: AuditSink;
  log: Logger;
  slack?: SlackSettings;
  nowSeconds?: () => number;
}

type Context = Omit<RequestRecord, "kind" | "status">;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_PAGE = readFileSync(path.join(__dirname, "status.html"), "utf8");

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, "request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseJsonBody(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new HttpError(400, "the body is not valid JSON");
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw new HttpError(400, "the body must be a JSON object");
  return data as Record<string, unknown>;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(text);
}

function sseFrame(record: StreamRecord): string {
  return `id: ${record.id}\nevent: ${record.event}\ndata: ${JSON.stringify(record.data)}\n\n`;
}

function slackText(reply: Reply, success: string): string {
  if (reply.status < 300) return success;
  const holder = reply.body.holder as { token: string; runId: string; since: string } | undefined;
  const held = holder ? ` (held by ${holder.token}, run ${holder.runId}, since ${holder.since})` : "";
  return `error: ${String(reply.body.error)}${held}`;
}

export class BotServer {
  readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();
  private readonly now: () => number;

  constructor(private readonly deps: BotServerDeps) {
    this.now = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on("clientError", (_err, socket) => socket.destroy());
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting connections, lets running updates finish (then cancels them), closes streams. */
  async close(timeoutMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await this.deps.service.shutdown(timeoutMs);
    for (const res of this.streams) res.end();
    this.server.closeAllConnections();
    await closed;
  }

  private record(ctx: Context, status: number): void {
    this.deps.audit.write({ kind: "request", ...ctx, status });
    this.deps.log("info", "request", { requestId: ctx.requestId, via: ctx.via, who: ctx.who, method: ctx.method, path: ctx.path, status });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://bot.invalid");
    const ctx: Context = { requestId: randomUUID(), via: "http", who: null, method: req.method ?? "GET", path: url.pathname };
    // The audit record is written (and fsync'd) before the answer leaves.
    let reply: Reply & { headers?: http.OutgoingHttpHeaders };
    try {
      const outcome = await this.route(req, res, url, ctx);
      if (outcome === "sent") return;
      reply = outcome;
    } catch (err) {
      if (!(err instanceof HttpError)) this.deps.log("error", "request failed", { requestId: ctx.requestId, error: String(err).split("\n")[0] });
      if (res.headersSent) return void res.destroy();
      reply = err instanceof HttpError ? { status: err.status, body: { error: err.message } } : { status: 500, body: { error: "internal error" } };
    }
    this.record(ctx, reply.status);
    sendJson(res, reply.status, reply.body, reply.headers);
  }

  private async authenticate(req: http.IncomingMessage, url: URL, ctx: Context, allowQuery: boolean): Promise<TokenEntry> {
    const token = bearerToken(req.headers.authorization) ?? (allowQuery ? (url.searchParams.get("token") ?? undefined) : undefined);
    const entry = await this.deps.verifier.verify(token);
    if (!entry) throw new HttpError(401, "a valid bearer token is required");
    ctx.who = entry.name;
    return entry;
  }

  private async route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    ctx: Context,
  ): Promise<"sent" | (Reply & { headers?: http.OutgoingHttpHeaders })> {
    let parts: string[];
    try {
      parts = url.pathname.split("/").filter(Boolean).map((p) => decodeURIComponent(p));
    } catch {
      throw new HttpError(400, "malformed path");
    }
    const method = ctx.method;
    const only = (m: string) => {
      if (method !== m) throw new HttpError(405, `use ${m}`);
    };

    if (parts.length === 0) {
      only("GET");
      this.record(ctx, 200);
      this.sendPage(res);
      return "sent";
    }
    if (parts[0] === "slack" && parts[1] === "command" && parts.length === 2) {
      only("POST");
      ctx.via = "slack";
      return this.slack(req, ctx);
    }
    if (parts[0] === "stacks") {
      if (parts.length === 1) {
        only("GET");
        const who = await this.authenticate(req, url, ctx, false);
        return this.deps.service.listStacks(who);
      }
      const stage = parts[1];
      ctx.stage = stage;
      if (parts.length === 2) {
        only("GET");
        const who = await this.authenticate(req, url, ctx, false);
        return this.deps.service.getStack(who, stage);
      }
      if (parts.length === 3) {
        only("POST");
        const action = parts[2];
        ctx.action = action;
        const who = await this.authenticate(req, url, ctx, false);
        const body = parseJsonBody(await readBody(req));
        if (action === "unlock") return this.deps.service.unlock(who, stage);
        if (!(OPERATIONS as readonly string[]).includes(action)) throw new HttpError(404, `no action ${action}`);
        const reply = this.deps.service.startRun(who, stage, action as Operation, body);
        if (typeof reply.body.runId === "string") ctx.runId = reply.body.runId;
        return reply;
      }
    }
    if (parts[0] === "runs") {
      if (parts.length === 1) {
        only("GET");
        const who = await this.authenticate(req, url, ctx, false);
        return this.deps.service.listRuns(who, url.searchParams.get("stage") ?? undefined);
      }
      const runId = parts[1];
      ctx.runId = runId;
      if (parts.length === 2) {
        only("GET");
        const who = await this.authenticate(req, url, ctx, false);
        return this.deps.service.getRun(who, runId);
      }
      if (parts.length === 3 && parts[2] === "events") {
        only("GET");
        ctx.action = "events";
        const who = await this.authenticate(req, url, ctx, true);
        return this.events(req, res, url, ctx, who, runId);
      }
      if (parts.length === 3 && (parts[2] === "approve" || parts[2] === "cancel")) {
        only("POST");
        ctx.action = parts[2];
        const who = await this.authenticate(req, url, ctx, false);
        await readBody(req);
        return parts[2] === "approve" ? this.deps.service.approve(who, runId) : this.deps.service.cancel(who, runId);
      }
    }
    throw new HttpError(404, "not found");
  }

  private sendPage(res: http.ServerResponse): void {
    const nonce = randomBytes(16).toString("base64");
    const html = STATUS_PAGE.split("__NONCE__").join(nonce);
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-length": Buffer.byteLength(html),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    });
    res.end(html);
  }

  private events(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    ctx: Context,
    who: TokenEntry,
    runId: string,
  ): "sent" | Reply {
    const lastHeader = req.headers["last-event-id"] ?? url.searchParams.get("lastEventId") ?? "0";
    const afterId = Number.parseInt(String(lastHeader), 10) || 0;
    const queued: StreamRecord[] = [];
    let open = false;
    const write = (record: StreamRecord) => {
      if (!open) return void queued.push(record);
      res.write(sseFrame(record));
      if (record.event === "end") res.end();
    };
    const unsubscribe = this.deps.service.follow(who, runId, afterId, write);
    if (typeof unsubscribe !== "function") return unsubscribe;
    this.record(ctx, 200);
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
      connection: "keep-alive",
    });
    this.streams.add(res);
    open = true;
    res.write(": stream of run " + runId + "\n\n");
    for (const record of queued) write(record);
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
    res.on("close", () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.streams.delete(res);
    });
    return "sent";
  }

  private async slack(req: http.IncomingMessage, ctx: Context): Promise<Reply> {
    const settings = this.deps.slack;
    if (!settings) throw new HttpError(404, "the Slack endpoint is not configured");
    const body = await readBody(req);
    const check = verifySlackRequest(
      settings.signingSecret,
      {
        signature: req.headers["x-slack-signature"] as string | undefined,
        timestamp: req.headers["x-slack-request-timestamp"] as string | undefined,
      },
      body,
      this.now(),
    );
    if (!check.ok) throw new HttpError(401, check.reason);
    const form = new URLSearchParams(body);
    // Slack shows only 200 answers; the audit keeps the outcome the command had.
    const ephemeral = (outcome: number, text: string): Reply => {
      ctx.outcome = outcome;
      return { status: 200, body: { response_type: "ephemeral", text } };
    };
    const user = form.get("user_id") ?? "";
    const name = settings.users[user];
    const who = name === undefined ? undefined : this.deps.tokens.find((t) => t.name === name);
    if (!who) {
      ctx.action = "unmapped-user";
      return ephemeral(403, `Slack user ${user || "(none)"} is not allowed to use this bot`);
    }
    ctx.who = who.name;
    const command = parseSlashCommand(form.get("text") ?? "");
    if (typeof command === "string") return ephemeral(400, command);
    const service = this.deps.service;
    switch (command.kind) {
      case "help":
        ctx.action = "help";
        return ephemeral(200, SLASH_HELP);
      case "run": {
        ctx.action = command.operation;
        ctx.stage = command.stage;
        const reply = service.startRun(who, command.stage, command.operation, {
          ...(command.previewRunId ? { previewRunId: command.previewRunId } : {}),
          ...(command.destroy ? { destroy: true } : {}),
        });
        if (typeof reply.body.runId === "string") ctx.runId = reply.body.runId;
        const what = command.destroy ? "destroy preview" : command.operation;
        return ephemeral(reply.status, slackText(reply, `${what} of ${command.stage} started: run ${String(reply.body.runId)}`));
      }
      case "approve":
      case "cancel": {
        ctx.action = command.kind;
        ctx.runId = command.runId;
        const reply = command.kind === "approve" ? service.approve(who, command.runId) : service.cancel(who, command.runId);
        const ok = command.kind === "approve" ? `preview ${command.runId} approved by ${who.name}` : `cancelling run ${command.runId}`;
        return ephemeral(reply.status, slackText(reply, ok));
      }
      case "run-status": {
        ctx.action = "run";
        ctx.runId = command.runId;
        const reply = service.getRun(who, command.runId);
        const run = reply.body.run as { operation: string; stage: string; status: string; by: string } | undefined;
        return ephemeral(reply.status, slackText(reply, run ? `run ${command.runId}: ${run.operation} of ${run.stage} by ${run.by}: ${run.status}` : ""));
      }
      case "status": {
        ctx.action = "status";
        if (command.stage) ctx.stage = command.stage;
        const stages = (service.listStacks(who).body.stages as { name: string; lock: { token: string } | null; lastRun: { operation: string; status: string } | null }[])
          .filter((s) => !command.stage || s.name === command.stage);
        const lines = stages.map(
          (s) => `${s.name}: ${s.lock ? `busy (${s.lock.token})` : "free"}${s.lastRun ? `, last ${s.lastRun.operation} ${s.lastRun.status}` : ""}`,
        );
        return ephemeral(200, lines.join("\n") || "no stages visible");
      }
    }
  }
}
