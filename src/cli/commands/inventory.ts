// `hive inventory`: prints the site model of a stage (SPEC §3.5 JSON contract with --json, else YAML).
import type { Command } from "commander";
import { stringify } from "yaml";
import { loadSite, siteToJson } from "../../inventory";
import { resolveSiteOptions } from "./site-options";
import { reportFailure } from "./validate";

export function registerInventory(program: Command): void {
  program
    .command("inventory")
    .description("print the derived site model of a stage")
    .option("-s, --stage <stage>", "stage: private, staging or production (default: private)")
    .option("-i, --inventory <dir>", "inventory folder (default: stack config hive:inventory, else inventory/)")
    .option("--json", "print JSON (the stable contract) instead of YAML")
    .action((opts: { stage?: string; inventory?: string; json?: boolean }) => {
      try {
        const o = resolveSiteOptions(opts);
        const site = loadSite({ inventoryDir: o.inventoryDir, stage: o.stage, vars: o.vars });
        const json = siteToJson(site);
        process.stdout.write(opts.json ? JSON.stringify(json, null, 2) + "\n" : stringify(json));
      } catch (err) {
        reportFailure(err);
      }
    });
}
