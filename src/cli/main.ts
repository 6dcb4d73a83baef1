// The `hive` command line.
import { Command } from "commander";
import { registerBotCommand } from "./commands/bot";
import { registerPlanCommand } from "./commands/plan";
import { loadSite } from "../inventory/load";

export function buildProgram(): Command {
  const program = new Command("hive");
  program.description("build and run Docker Swarm sites described by a hive inventory").showHelpAfterError();
  registerBotCommand(program);
  registerPlanCommand(program, () => ({ loadSite }));
  return program;
}

if (require.main === module || process.argv[1]?.endsWith("hive.js")) {
  buildProgram().parseAsync(process.argv).catch((err: unknown) => {
    process.stderr.write(`hive: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
