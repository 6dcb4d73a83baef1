// Options shared by the commands that read the inventory: the stage and the inventory folder.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { STAGES, type Stage } from "../../inventory";

export interface SiteOptions {
  readonly stage: Stage;
  readonly inventoryDir: string;
  /** Stack config `hive:vars` of the stage, if any. */
  readonly vars: Record<string, unknown>;
}

/** Reads `Pulumi.<stage>.yaml` in `cwd` (its `config` mapping), or returns an empty config. */
export function readStackConfig(cwd: string, stage: string): Record<string, unknown> {
  const file = join(cwd, `Pulumi.${stage}.yaml`);
  if (!existsSync(file)) return {};
  const doc: unknown = parse(readFileSync(file, "utf8"));
  const config = doc !== null && typeof doc === "object" ? (doc as { config?: unknown }).config : undefined;
  return config !== null && typeof config === "object" ? (config as Record<string, unknown>) : {};
}

/**
 * The stage from `-s` (default `private`); the inventory from `-i`, else stack config `hive:inventory` of
 * `Pulumi.<stage>.yaml` in the current directory, else `inventory/`.
 */
export function resolveSiteOptions(opts: { stage?: string; inventory?: string }, cwd = process.cwd()): SiteOptions {
  const stage = opts.stage ?? "private";
  if (!(STAGES as readonly string[]).includes(stage)) {
    throw new Error(`stage must be one of ${STAGES.join(", ")}, but is "${stage}"`);
  }
  const config = readStackConfig(cwd, stage);
  const configured = config["hive:inventory"];
  const inventoryDir = opts.inventory ?? (typeof configured === "string" ? configured : "inventory");
  const vars = config["hive:vars"];
  return {
    stage: stage as Stage,
    inventoryDir: resolve(cwd, inventoryDir),
    vars: vars !== null && typeof vars === "object" && !Array.isArray(vars) ? (vars as Record<string, unknown>) : {},
  };
}
