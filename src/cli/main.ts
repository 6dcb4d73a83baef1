// The `hive` command line.
import { basename } from "node:path";
import { Command, CommanderError } from "commander";
import { registerBotCommand } from "./commands/bot";
import { registerImportInventoryCommand } from "./commands/import-inventory";
import { registerInventory } from "./commands/inventory";
import { registerPlanCommand } from "./commands/plan";
import { registerSshCommand } from "./commands/ssh";
import { registerStackCommands } from "./commands/stack";
import { registerValidate } from "./commands/validate";
import { registerVarCommands } from "./commands/vars";
import { CliError } from "./context";
import { defaultDeps, type CliDeps } from "./deps";
import { loadSite } from "../inventory";

export function buildProgram(deps?: Partial<CliDeps>): Command {
  const program = new Command("hive");
  program
    .description("build and run Docker Swarm sites described by a hive inventory")
    .showHelpAfterError()
    .addHelpText(
      "after",
      "\nThe stage (-s) selects the Pulumi stack; default: `hive set stage`, else private.\nSee docs/cli.md.\n\nExamples:\n  hive set stage staging\n  hive preview\n  hive up\n  hive deploy-services -l powerdns\n  hive ssh -z",
    );
  let resolved: CliDeps | undefined;
  const getDeps = (): CliDeps => (resolved ??= { ...defaultDeps(deps?.root), ...deps });
  registerValidate(program);
  registerInventory(program);
  registerStackCommands(program, getDeps);
  registerSshCommand(program, getDeps);
  registerVarCommands(program, getDeps);
  registerImportInventoryCommand(program, getDeps);
  registerBotCommand(program);
  registerPlanCommand(program, () => ({ loadSite }));
  return program;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], deps?: Partial<CliDeps>): Promise<number> {
  const program = buildProgram(deps);
  const err = deps?.err ?? ((text: string) => process.stderr.write(text));
  const output = { writeOut: deps?.out ?? ((t: string) => process.stdout.write(t)), writeErr: err };
  for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    cmd.exitOverride();
    cmd.configureOutput(output);
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof CliError) {
      err(`hive: ${e.message}\n`);
      return e.exitCode;
    }
    err(`hive: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

// Run when started as a program: directly, through bin/hive.js, or through the `hive` link npm/npx create.
const entry = basename(process.argv[1] ?? "");
if (require.main === module || entry === "hive.js" || entry === "hive") {
  void runCli(process.argv.slice(2)).then((code) => {
    // The bot keeps running after its action returns; every other command ends here.
    if (code !== 0) process.exit(code);
  });
}
