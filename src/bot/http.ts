// The deploy bot's HTTP surface (node:http, no framework): routing, bearer auth, JSON bodies,
// Server-Sent Events, the Slack endpoint, the status page, one audit record per request. A request's
// record is written before it takes effect; when it cannot be written the answer is 503. Requests
// without a valid token are recorded within a budget (AnonymousBudget) and counted beyond it.
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { bearerToken, type TokenEntry, type TokenVerifier } from "./auth";
import { AnonymousBudget, MAX_AUDIT_PATH, type AuditSink, type RequestRecord } from "./audit";
import type { Logger } from "./log";
import type { Admit, BotService, Reply, StreamRecord } from "./service";
import { parseSlashCommand, REPLAY_WINDOW_SECONDS, SLASH_HELP, verifySlackRequest } from "./slack";
import type { BotStore } from "./store";
import { OPERATIONS, type Operation } from "../automation/types";

export const MAX_BODY_BYTES = 64 * 1024;
/** After a 413, this much more of the body is read (and dropped) so the client gets the answer. */
export const DRAIN_BYTES = 16 * 1024 * 1024;
export const DRAIN_MS = 10_000;
/** How often a count of unrecorded anonymous requests is written. */
export const SUPPRESSED_FLUSH_MS = 10_000;
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
  store: BotStore;
  log: Logger;
  slack?: SlackSettings;
  nowSeconds?: () => number;
  anonymous?: AnonymousBudget;
}

type Context = Omit<RequestRecord, "kind" | "status"> & { recorded?: boolean };

/** The audit log could not be written. */
class AuditUnavailable extends Error {}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_PAGE = readFileSync(path.join(__dirname, "status.html"), "utf8");

/**
 * Reads and drops the rest of a refused body (up to DRAIN_BYTES or DRAIN_MS), so that the client has
 * sent it all and reads the answer instead of a connection reset.
 */
function drain(req: http.IncomingMessage, seen = 0): void {
  let size = seen;
  const timer = setTimeout(() => req.destroy(), DRAIN_MS).unref();
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > DRAIN_BYTES) req.destroy();
  });
  req.on("end", () => clearTimeout(timer));
  req.on("close", () => clearTimeout(timer));
  req.resume();
}

const TOO_LARGE = `request body too large (the limit is ${MAX_BODY_BYTES} bytes)`;

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      drain(req);
      return reject(new HttpError(413, TOO_LARGE));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off("data", onData);
        drain(req, size);
        reject(new HttpError(413, TOO_LARGE));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
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
  const holder = reply.body.holder as { token?: string; runId?: string; since?: string | null; user?: string | null; host?: string | null } | undefined;
  const held = !holder
    ? ""
    : holder.token
      ? ` (held by ${holder.token}, run ${holder.runId}, since ${holder.since})`
      : ` (held by ${holder.user ?? "?"}@${holder.host ?? "?"} since ${holder.since ?? "?"})`;
  return `error: ${String(reply.body.error)}${held}`;
}

export class BotServer {
  readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();
  private readonly now: () => number;
  private readonly anonymous: AnonymousBudget;
  private readonly flusher: NodeJS.Timeout;

  constructor(private readonly deps: BotServerDeps) {
    this.now = deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    this.anonymous = deps.anonymous ?? new AnonymousBudget();
    this.server = http.createServer((req, res) => void this.handle(req, res));
    // A request that cannot be parsed gets a plain answer when the socket can still take one.
    this.server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
      if (socket.writable && err.code !== "ECONNRESET") {
        const status = err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
        socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      } else socket.destroy();
    });
    this.server.on("error", (err) => deps.log("error", "server error", { error: String(err) }));
    this.flusher = setInterval(() => this.flushSuppressed(), SUPPRESSED_FLUSH_MS).unref();
  }

  /** Writes the count of anonymous requests that were not recorded one by one. */
  private flushSuppressed(): void {
    const record = this.anonymous.drain();
    if (!record) return;
    try {
      this.deps.audit.write(record);
    } catch (err) {
      this.anonymous.restore(record);
      this.deps.log("error", "writing the audit log failed", { kind: "suppressed", error: String(err) });
    }
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
    clearInterval(this.flusher);
    this.flushSuppressed();
  }

  /**
   * Writes the request's audit record (once) and logs it; throws AuditUnavailable when the record
   * could not be made durable. An anonymous request beyond the budget is only counted.
   */
  private record(ctx: Context, status: number): void {
    if (ctx.recorded) return;
    const record: RequestRecord = {
      kind: "request",
      requestId: ctx.requestId,
      via: ctx.via,
      who: ctx.who,
      method: ctx.method.slice(0, 16),
      path: ctx.path.slice(0, MAX_AUDIT_PATH),
      ...(ctx.action !== undefined ? { action: ctx.action.slice(0, 64) } : {}),
      ...(ctx.stage !== undefined ? { stage: ctx.stage.slice(0, 64) } : {}),
      ...(ctx.runId !== undefined ? { runId: ctx.runId.slice(0, 64) } : {}),
      status,
      ...(ctx.outcome !== undefined ? { outcome: ctx.outcome } : {}),
    };
    if (ctx.who === null && !this.anonymous.take()) {
      ctx.recorded = true;
      return;
    }
    try {
      this.flushSuppressed();
      this.deps.audit.write(record);
    } catch (err) {
      this.deps.log("error", "writing the audit log failed", { requestId: ctx.requestId, error: String(err) });
      throw new AuditUnavailable(String(err));
    }
    ctx.recorded = true;
    this.deps.log("info", "request", { requestId: ctx.requestId, via: ctx.via, who: ctx.who, method: record.method, path: record.path, status });
  }

  /** The admit callback for the service: records the request with the status it is about to get. */
  private admitFor(ctx: Context): Admit {
    return (reply) => {
      if (typeof reply.body.runId === "string") ctx.runId = reply.body.runId;
      if (ctx.via === "slack") {
        ctx.outcome = reply.status;
        this.record(ctx, 200);
      } else {
        this.record(ctx, reply.status);
      }
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let ctx: Context | undefined;
    try {
      const url = new URL(req.url ?? "/", "http://bot.invalid");
      ctx = { requestId: randomUUID(), via: "http", who: null, method: req.method ?? "GET", path: url.pathname };
      // The audit record is written (and fsync'd) before the answer leaves.
      let reply: Reply & { headers?: http.OutgoingHttpHeaders };
      try {
        const outcome = await this.route(req, res, url, ctx);
        if (outcome === "sent") return;
        reply = outcome;
      } catch (err) {
        if (!(err instanceof HttpError) && !(err instanceof AuditUnavailable))
          this.deps.log("error", "request failed", { requestId: ctx.requestId, error: String(err).split("\n")[0] });
        if (res.headersSent) return void res.destroy();
        reply =
          err instanceof HttpError
            ? { status: err.status, body: { error: err.message }, ...(err.status === 413 ? { headers: { connection: "close" } } : {}) }
            : err instanceof AuditUnavailable
              ? { status: 503, body: { error: "the audit log cannot be written" } }
              : { status: 500, body: { error: "internal error" } };
      }
      try {
        this.record(ctx, reply.status);
      } catch {
        if (reply.status < 500) reply = { status: 503, body: { error: "the audit log cannot be written" } };
      }
      sendJson(res, reply.status, reply.body, reply.headers);
    } catch (err) {
      // Nothing a request does may take the process down.
      this.deps.log("error", "request handling failed", { requestId: ctx?.requestId, error: String(err).split("\n")[0] });
      if (!res.headersSent) {
        try {
          sendJson(res, 500, { error: "internal error" });
        } catch {
          res.destroy();
        }
      } else res.destroy();
    }
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
        return await this.deps.service.listStacks(who);
      }
      const stage = parts[1];
      ctx.stage = stage;
      if (parts.length === 2) {
        only("GET");
        const who = await this.authenticate(req, url, ctx, false);
        return await this.deps.service.getStack(who, stage);
      }
      if (parts.length === 3) {
        only("POST");
        const action = parts[2];
        ctx.action = action;
        const who = await this.authenticate(req, url, ctx, false);
        const body = parseJsonBody(await readBody(req));
        if (action === "unlock") return await this.deps.service.unlock(who, stage, this.admitFor(ctx));
        if (!(OPERATIONS as readonly string[]).includes(action)) throw new HttpError(404, `no action ${action}`);
        return await this.deps.service.startRun(who, stage, action as Operation, body, this.admitFor(ctx));
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
        const admit = this.admitFor(ctx);
        return parts[2] === "approve" ? this.deps.service.approve(who, runId, admit) : this.deps.service.cancel(who, runId, admit);
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
    try {
      this.record(ctx, 200);
    } catch (err) {
      unsubscribe();
      throw err;
    }
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
    // A signature is unique to its timestamp and body: seeing it again within the window is a replay.
    const signature = String(req.headers["x-slack-signature"]);
    const until = (Number(req.headers["x-slack-request-timestamp"]) + REPLAY_WINDOW_SECONDS + 1) * 1000;
    let fresh: boolean;
    try {
      fresh = this.deps.store.claimOnce(`slack:${signature}`, until, this.now() * 1000);
    } catch (err) {
      this.deps.log("error", "saving the bot's state failed; the Slack request was refused", { error: String(err) });
      return { status: 503, body: { error: "the bot's state cannot be saved" } };
    }
    if (!fresh) throw new HttpError(409, "this request was already received (replay)");
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
        const reply = await service.startRun(
          who,
          command.stage,
          command.operation,
          {
            ...(command.previewRunId ? { previewRunId: command.previewRunId } : {}),
            ...(command.destroy ? { destroy: true } : {}),
          },
          this.admitFor(ctx),
        );
        const what = command.destroy ? "destroy preview" : command.operation;
        return ephemeral(reply.status, slackText(reply, `${what} of ${command.stage} started: run ${String(reply.body.runId)}`));
      }
      case "approve":
      case "cancel": {
        ctx.action = command.kind;
        ctx.runId = command.runId;
        const admit = this.admitFor(ctx);
        const reply = command.kind === "approve" ? service.approve(who, command.runId, admit) : service.cancel(who, command.runId, admit);
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
        type Lock = { token?: string; stale?: boolean } | null;
        const stages = ((await service.listStacks(who)).body.stages as { name: string; lock: Lock; lastRun: { operation: string; status: string } | null }[])
          .filter((s) => !command.stage || s.name === command.stage);
        const holder = (lock: NonNullable<Lock>) => lock.token ?? (lock.stale ? "stale backend lock" : "backend lock");
        const lines = stages.map(
          (s) => `${s.name}: ${s.lock ? `busy (${holder(s.lock)})` : "free"}${s.lastRun ? `, last ${s.lastRun.operation} ${s.lastRun.status}` : ""}`,
        );
        return ephemeral(200, lines.join("\n") || "no stages visible");
      }
    }
  }
}
