// Options shared by the commands that read the inventory: the stage and the inventory folder.
import { resolve } from "node:path";
import { builderSetVars, type Stage } from "../../inventory";
import { readSettings, readStackConfig, resolveInventory, resolveStage } from "../context";

export interface SiteOptions {
  readonly stage: Stage;
  readonly inventoryDir: string;
  /** Stack config `hive:vars` of the stage, if any. */
  readonly vars: Record<string, unknown>;
}

/**
 * The stage from `-s`, else the checkout's `hive set stage`, else `private`; the inventory from `-i`
 * (relative to the current directory), else stack config `hive:inventory` of `Pulumi.<stage>.yaml`, else
 * `inventory/`.
 */
export function resolveSiteOptions(opts: { stage?: string; inventory?: string }, cwd = process.cwd()): SiteOptions {
  const stage = resolveStage(opts.stage, readSettings(cwd));
  const config = readStackConfig(cwd, stage);
  const vars = config["hive:vars"];
  return {
    stage,
    inventoryDir: opts.inventory !== undefined ? resolve(cwd, opts.inventory) : resolveInventory(cwd, stage),
    // As the program reads them: the hive-builder variables of `hive set`, then hive:vars.
    vars: {
      ...builderSetVars((key) => config[`hive:${key}`]),
      ...(vars !== null && typeof vars === "object" && !Array.isArray(vars) ? (vars as Record<string, unknown>) : {}),
    },
  };
}
