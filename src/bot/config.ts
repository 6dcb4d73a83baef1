// The deploy bot's configuration file (YAML or JSON): listen address, stages, token hashes, Slack.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { ACTIONS, parseHash, type TokenEntry } from "./auth";
import type { RunnerSpec } from "../automation/types";

const stageName = z.string().regex(/^[A-Za-z0-9_.-]+$/, "a stage is a Pulumi stack name (letters, digits, _ . -)");

const tokenSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.@-]+$/, "a token name is letters, digits, _ . @ -"),
    hash: z.string().superRefine((h, ctx) => {
      const parsed = parseHash(h);
      if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
    }),
    stages: z.array(z.union([stageName, z.literal("*")])).min(1),
    actions: z.array(z.enum(ACTIONS)).min(1),
  })
  .strict();

const schema = z
  .object({
    host: z.string().default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(8080),
    stages: z.array(stageName).min(1).default(["private", "staging", "production"]),
    approvalStages: z.array(stageName).default(["production"]),
    approvalTtlSeconds: z.number().positive().default(3600),
    shutdownTimeoutSeconds: z.number().nonnegative().default(600),
    statusCacheSeconds: z.number().nonnegative().default(5),
    secretEnv: z.array(z.string()).default([]),
    dataDir: z.string().default(".hive-bot"),
    auditLog: z.string().optional(),
    workDir: z.string().optional(),
    runner: z.object({ module: z.string(), options: z.unknown().optional() }).strict().optional(),
    tokens: z.array(tokenSchema).min(1),
    slack: z
      .object({
        signingSecretEnv: z.string().default("SLACK_SIGNING_SECRET"),
        users: z.record(z.string(), z.string()),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const names = new Set<string>();
    cfg.tokens.forEach((t, i) => {
      if (names.has(t.name)) ctx.addIssue({ code: "custom", path: ["tokens", i, "name"], message: `duplicate token name ${t.name}` });
      names.add(t.name);
    });
    for (const [user, name] of Object.entries(cfg.slack?.users ?? {})) {
      if (!names.has(name)) ctx.addIssue({ code: "custom", path: ["slack", "users", user], message: `no token named ${name}` });
    }
    cfg.approvalStages.forEach((s, i) => {
      if (!cfg.stages.includes(s)) ctx.addIssue({ code: "custom", path: ["approvalStages", i], message: `unknown stage ${s}` });
    });
  });

export interface BotConfig {
  host: string;
  port: number;
  stages: string[];
  approvalStages: string[];
  approvalTtlMs: number;
  shutdownTimeoutMs: number;
  /** How long GET /stacks/:stage reuses a stage's outputs and backend lock. */
  statusCacheMs: number;
  /** Environment variables whose values are secrets besides those named like secrets. */
  secretEnv: string[];
  /** Absolute paths. */
  dataDir: string;
  auditLog: string;
  workDir?: string;
  runner?: RunnerSpec;
  tokens: TokenEntry[];
  slack?: { signingSecretEnv: string; users: Record<string, string> };
}

/** Validates parsed config data; relative paths are taken from `baseDir` (the config file's folder). */
export function parseConfig(data: unknown, baseDir: string, source = "config"): BotConfig {
  const res = schema.safeParse(data);
  if (!res.success) {
    const lines = res.error.issues.map((i) => `  ${i.path.length ? i.path.join(".") : "(top)"}: ${i.message}`);
    throw new Error(`${source}: invalid bot configuration\n${lines.join("\n")}`);
  }
  const c = res.data;
  const dataDir = path.resolve(baseDir, c.dataDir);
  const runner = c.runner && {
    module: c.runner.module.startsWith(".") ? path.resolve(baseDir, c.runner.module) : c.runner.module,
    options: c.runner.options,
  };
  return {
    host: c.host,
    port: c.port,
    stages: c.stages,
    approvalStages: c.approvalStages,
    approvalTtlMs: c.approvalTtlSeconds * 1000,
    shutdownTimeoutMs: c.shutdownTimeoutSeconds * 1000,
    statusCacheMs: c.statusCacheSeconds * 1000,
    secretEnv: c.secretEnv,
    dataDir,
    auditLog: path.resolve(dataDir, c.auditLog ?? "audit.jsonl"),
    workDir: c.workDir && path.resolve(baseDir, c.workDir),
    runner,
    tokens: c.tokens,
    slack: c.slack,
  };
}

export function loadConfig(file: string): BotConfig {
  const text = readFileSync(file, "utf8");
  return parseConfig(parse(text), path.dirname(path.resolve(file)), file);
}
