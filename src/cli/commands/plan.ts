// `hive plan -s STAGE [-i DIR] [--json|--dot]`: the real program under the Pulumi runtime's mocks; no cloud
// account and no Pulumi CLI needed.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { parse } from "yaml";
import type { SiteLoader } from "../../program";
import { readSettings, resolveStage } from "../context";

export interface PlanCommandOptions {
  /** Default: the checkout's `hive set stage`, else private. */
  stage?: string;
  /** Inventory folder; overrides `hive:inventory` of the stack config. */
  inventory?: string;
  json?: boolean;
  dot?: boolean;
}

export interface PlanCommandDeps {
  loadSite: SiteLoader;
  /** Folder of Pulumi.yaml and the stack files; the current directory by default. */
  projectRoot?: string;
}

/**
 * Plain `hive:*` values of `Pulumi.<stage>.yaml` (encrypted values are left out: the plan has no passphrase;
 * the program then generates keys as it would on a first run).
 */
export function stackConfigFromFile(projectRoot: string, stage: string): Record<string, unknown> {
  const file = path.join(projectRoot, `Pulumi.${stage}.yaml`);
  if (!fs.existsSync(file)) return {};
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    const isSecure = typeof value === "object" && value !== null && "secure" in value;
    if (key.startsWith("hive:") && !isSecure) out[key] = value;
  }
  return out;
}

/** Runs the plan and returns the text to print. */
export async function planCommand(options: PlanCommandOptions, deps: PlanCommandDeps): Promise<string> {
  if (options.json && options.dot) throw new Error("--json and --dot cannot be combined");
  const projectRoot = path.resolve(deps.projectRoot ?? process.cwd());
  const stage = resolveStage(options.stage, readSettings(projectRoot));
  const config = stackConfigFromFile(projectRoot, stage);
  if (options.inventory !== undefined) config["hive:inventory"] = path.resolve(options.inventory);
  // Loaded here, not at the top: the Pulumi SDK is only needed by this command.
  const { runPlan } = require("../../plan/run") as typeof import("../../plan/run");
  const { planToJson, renderDot, renderTree } = require("../../plan/render") as typeof import("../../plan/render");
  const { main } = require("../../program") as typeof import("../../program");
  const plan = await runPlan({ stage, config }, () => main(deps.loadSite, projectRoot));
  if (options.json) return JSON.stringify(planToJson(plan), null, 2) + "\n";
  if (options.dot) return renderDot(plan);
  return renderTree(plan);
}

export function registerPlanCommand(program: Command, deps: () => PlanCommandDeps): void {
  program
    .command("plan")
    .description("show the resources the stage would have, using the Pulumi runtime's mocks (no cloud account needed)")
    .addHelpText("after", "\nExamples:\n  hive plan -s staging -i examples/pdns/inventory\n  hive plan -s production --json > plan.json\n  hive plan -s production --dot | dot -Tsvg > plan.svg")
    .option("-s, --stage <stage>", "stage: private, staging or production (default: `hive set stage`, else private)")
    .option("-i, --inventory <dir>", "inventory folder (default: hive:inventory of the stack config)")
    .option("--json", "print {resources: [{type, name, parent, inputs}]} as JSON")
    .option("--dot", "print a Graphviz digraph of the resource tree")
    .action(async (opts: PlanCommandOptions) => {
      process.stdout.write(await planCommand(opts, deps()));
    });
}
