// `hive inventory`: prints the site model of a stage (SPEC §3.5 JSON contract with --json, else YAML).
import type { Command } from "commander";
import { stringify } from "yaml";
import { loadSite, siteToJson } from "../../inventory";
import { resolveSiteOptions } from "./site-options";
import { reportFailure } from "./validate";
import { storedLedger } from "../ledger";
import { findPulumi } from "../context";

const SOURCES = {
  stack: "allocations: as stored by the stack's last update",
  config: "allocations: imported ledger from stack config hive:allocations (no update stored one yet)",
  none: "allocations: none stored yet (new numbers print as null)",
};

export function registerInventory(program: Command): void {
  program
    .command("inventory")
    .description("print the derived site model of a stage")
    .option("-s, --stage <stage>", "stage: private, staging or production (default: `hive set stage`, else private)")
    .option("-i, --inventory <dir>", "inventory folder (default: stack config hive:inventory, else inventory/)")
    .option("--json", "print JSON (the stable contract) instead of YAML")
    .option("--offline", "do not ask the stack for its stored allocations (no Pulumi CLI needed)")
    .addHelpText("after", "\nExamples:\n  hive inventory -s staging -i examples/pdns/inventory --json\n  hive inventory -s production --offline")
    .action(async (opts: { stage?: string; inventory?: string; json?: boolean; offline?: boolean }) => {
      try {
        const o = resolveSiteOptions(opts);
        const root = process.cwd();
        const useStack = !opts.offline && findPulumi(process.env) !== undefined;
        // Loaded only when used: the Automation API is slow to load and `--offline` needs none of it.
        const runner = useStack ? new (require("../../automation/local") as typeof import("../../automation/local")).LocalStackRunner({ workDir: root }) : null;
        const stored = await storedLedger(root, o.stage, runner);
        process.stderr.write(`${SOURCES[stored.source]}\n`);
        const site = loadSite({ inventoryDir: o.inventoryDir, stage: o.stage, vars: o.vars, previous: stored.ledger });
        const json = siteToJson(site);
        process.stdout.write(opts.json ? JSON.stringify(json, null, 2) + "\n" : stringify(json));
      } catch (err) {
        reportFailure(err);
      }
    });
}
