// Slack-compatible slash commands: request signature (v0 HMAC-SHA256), replay window, command text.
import { createHmac, timingSafeEqual } from "node:crypto";

export const REPLAY_WINDOW_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function slackSignature(secret: string, timestamp: string, body: string): string {
  return "v0=" + createHmac("sha256", secret).update(`v0:${timestamp}:${body}`, "utf8").digest("hex");
}

export function verifySlackRequest(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  body: string,
  nowSeconds: number,
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp) return { ok: false, reason: "missing signature headers" };
  if (!/^\d+$/.test(timestamp)) return { ok: false, reason: "bad timestamp" };
  if (Math.abs(nowSeconds - Number(timestamp)) > REPLAY_WINDOW_SECONDS) return { ok: false, reason: "timestamp outside the replay window" };
  const expected = Buffer.from(slackSignature(secret, timestamp, body), "utf8");
  const given = Buffer.from(signature, "utf8");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad signature" };
  return { ok: true };
}

export type SlashCommand =
  | { kind: "run"; operation: "preview" | "up" | "refresh" | "destroy"; stage: string; previewRunId?: string; destroy?: boolean }
  | { kind: "approve" | "cancel" | "run-status"; runId: string }
  | { kind: "status"; stage?: string }
  | { kind: "help" };

export const SLASH_HELP = [
  "preview <stage> [destroy]  – preview an update (or a destroy)",
  "up <stage> [<preview run id>]  – apply; production needs an approved preview",
  "refresh <stage>  |  destroy <stage> [<preview run id>]",
  "approve <run id>  |  cancel <run id>  |  run <run id>  |  status [<stage>]",
].join("\n");

/** Parses the text of `/hive <text>`; a string is an error message. */
export function parseSlashCommand(text: string): SlashCommand | string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [verb, a, b] = words;
  switch (verb) {
    case undefined:
    case "help":
      return { kind: "help" };
    case "preview":
      if (!a || (b !== undefined && b !== "destroy") || words.length > 3) return "usage: preview <stage> [destroy]";
      return { kind: "run", operation: "preview", stage: a, ...(b ? { destroy: true } : {}) };
    case "up":
    case "destroy":
      if (!a || words.length > 3) return `usage: ${verb} <stage> [<preview run id>]`;
      return { kind: "run", operation: verb, stage: a, ...(b ? { previewRunId: b } : {}) };
    case "refresh":
      if (!a || words.length > 2) return "usage: refresh <stage>";
      return { kind: "run", operation: "refresh", stage: a };
    case "approve":
    case "cancel":
      if (!a || words.length > 2) return `usage: ${verb} <run id>`;
      return { kind: verb, runId: a };
    case "run":
      if (!a || words.length > 2) return "usage: run <run id>";
      return { kind: "run-status", runId: a };
    case "status":
      if (words.length > 2) return "usage: status [<stage>]";
      return { kind: "status", ...(a ? { stage: a } : {}) };
    default:
      return `unknown command ${verb}; try help`;
  }
}
