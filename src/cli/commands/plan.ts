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

/** Secure values whose mere presence changes what the program declares (a given key is not generated). */
const SECURE_SWITCHES = new Set(["hive:sshPrivateKey", "hive:caCertPem", "hive:caKeyPem"]);
/** What the plan puts in place of such a value: it has no passphrase to decrypt the real one. */
export const SECURE_PLACEHOLDER = "[secret from the stack config]";

/**
 * The `hive:*` values of `Pulumi.<stage>.yaml` for the plan: plain ones as they are, the secure ones that
 * decide which resources exist (`SECURE_SWITCHES`) as a secret placeholder, so the plan declares what the
 * program will, and every other secure value left out.
 */
export function stackConfigFromFile(projectRoot: string, stage: string): { config: Record<string, unknown>; secretKeys: string[] } {
  const file = path.join(projectRoot, `Pulumi.${stage}.yaml`);
  const config: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  if (!fs.existsSync(file)) return { config, secretKeys };
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (!key.startsWith("hive:")) continue;
    const isSecure = typeof value === "object" && value !== null && "secure" in value;
    if (!isSecure) config[key] = value;
    else if (SECURE_SWITCHES.has(key)) {
      config[key] = SECURE_PLACEHOLDER;
      secretKeys.push(key);
    }
  }
  return { config, secretKeys };
}

/** Runs the plan and returns the text to print. */
export async function planCommand(options: PlanCommandOptions, deps: PlanCommandDeps): Promise<string> {
  if (options.json && options.dot) throw new Error("--json and --dot cannot be combined");
  const projectRoot = path.resolve(deps.projectRoot ?? process.cwd());
  const stage = resolveStage(options.stage, readSettings(projectRoot));
  const { config, secretKeys } = stackConfigFromFile(projectRoot, stage);
  if (options.inventory !== undefined) config["hive:inventory"] = path.resolve(options.inventory);
  // Loaded here, not at the top: the Pulumi SDK is only needed by this command.
  const { runPlan } = require("../../plan/run") as typeof import("../../plan/run");
  const { planToJson, renderDot, renderTree } = require("../../plan/render") as typeof import("../../plan/render");
  const { main } = require("../../program") as typeof import("../../program");
  const plan = await runPlan({ stage, config, secretKeys }, () => main(deps.loadSite, projectRoot));
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
