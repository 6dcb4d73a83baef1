// The `hive` command line.
import { basename } from "node:path";
import { Command } from "commander";
import { registerBotCommand } from "./commands/bot";
import { registerInventory } from "./commands/inventory";
import { registerPlanCommand } from "./commands/plan";
import { registerValidate } from "./commands/validate";
import { loadSite } from "../inventory";

export function buildProgram(): Command {
  const program = new Command("hive");
  program.description("build and run Docker Swarm sites described by a hive inventory").showHelpAfterError();
  registerValidate(program);
  registerInventory(program);
  registerBotCommand(program);
  registerPlanCommand(program, () => ({ loadSite }));
  return program;
}

// Run when started as a program: directly, through bin/hive.js, or through the `hive` link npm/npx create.
const entry = basename(process.argv[1] ?? "");
if (require.main === module || entry === "hive.js" || entry === "hive") {
  buildProgram().parseAsync(process.argv).catch((err: unknown) => {
    process.stderr.write(`hive: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
