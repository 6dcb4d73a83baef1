// `hive set|get|unset`: stack config `hive:<var>` in Pulumi.<stage>.yaml; `hive set stage S` stores the
// checkout's default stage in .hive/settings.json instead (the stage selects the stack).
import type { Command } from "commander";
import { SECRET_MASK } from "../../automation/redact";
import {
  CliError,
  checkStage,
  configKey,
  isSecureValue,
  readSettings,
  readStackConfig,
  resolveStage,
  settingsPath,
  stackConfigPath,
  writeSettings,
  writeStackConfigValue,
} from "../context";
import type { CliDeps } from "../deps";

export interface VarOptions {
  stage?: string;
  secret?: boolean;
  showSecrets?: boolean;
  json?: boolean;
}

export type VarAction =
  | { kind: "set-stage"; stage: string }
  | { kind: "unset-stage" }
  | { kind: "get-stage" }
  | { kind: "set"; stage: string; key: string; value: string; secret: boolean }
  | { kind: "set-secret-stdin"; stage: string; key: string }
  | { kind: "get"; stage: string; key: string; showSecrets: boolean }
  | { kind: "unset"; stage: string; key: string };

/** What set/get/unset will do; pure apart from reading the default stage. */
export function planVar(verb: "set" | "get" | "unset", variable: string, value: string | undefined, opts: VarOptions, root: string): VarAction {
  if (variable === "stage") {
    if (opts.secret) throw new CliError("the stage is not a secret");
    if (verb === "set") return { kind: "set-stage", stage: checkStage(value ?? "") };
    return verb === "get" ? { kind: "get-stage" } : { kind: "unset-stage" };
  }
  const stage = resolveStage(opts.stage, readSettings(root));
  const key = configKey(variable);
  if (verb === "set") {
    if (value === undefined) {
      if (opts.secret) return { kind: "set-secret-stdin", stage, key };
      throw new CliError(`hive set ${variable} needs a value (a secret may come on standard input)`);
    }
    return { kind: "set", stage, key, value, secret: opts.secret === true };
  }
  if (verb === "get") return { kind: "get", stage, key, showSecrets: opts.showSecrets === true };
  return { kind: "unset", stage, key };
}

export async function runVar(action: VarAction, deps: CliDeps): Promise<void> {
  switch (action.kind) {
    case "set-stage":
      writeSettings(deps.root, { ...readSettings(deps.root), stage: action.stage });
      deps.out(`hive: default stage is ${action.stage} (${settingsPath(deps.root)})\n`);
      return;
    case "unset-stage": {
      const { stage: _old, ...rest } = readSettings(deps.root);
      void _old;
      writeSettings(deps.root, rest);
      deps.out("hive: default stage is private\n");
      return;
    }
    case "get-stage":
      deps.out(`${resolveStage(undefined, readSettings(deps.root))}\n`);
      return;
    case "set-secret-stdin": {
      deps.checkPulumi();
      const value = (await deps.readStdin()).replace(/\r?\n$/, "");
      if (value === "") throw new CliError(`no value for ${action.key} on standard input`);
      await deps.access().setSecret(action.stage, action.key, value);
      deps.out(`hive: set ${action.key} (secret) on stage ${action.stage}\n`);
      return;
    }
    case "set":
      if (action.secret) {
        // Encryption needs the CLI (and the stack's secrets provider).
        deps.checkPulumi();
        await deps.access().setSecret(action.stage, action.key, action.value);
        deps.out(`hive: set ${action.key} (secret) on stage ${action.stage}\n`);
      } else {
        writeStackConfigValue(deps.root, action.stage, action.key, action.value);
        deps.out(`hive: set ${action.key} in ${stackConfigPath(deps.root, action.stage)}\n`);
      }
      return;
    case "get": {
      const stored = readStackConfig(deps.root, action.stage)[action.key];
      if (stored === undefined) throw new CliError(`${action.key} is not set on stage ${action.stage}`);
      if (!isSecureValue(stored)) {
        deps.out(`${typeof stored === "string" ? stored : JSON.stringify(stored)}\n`);
      } else if (!action.showSecrets) {
        deps.out(`${SECRET_MASK}\n`);
      } else {
        deps.checkPulumi();
        const value = await deps.access().getConfig(action.stage, action.key);
        if (value === undefined) throw new CliError(`${action.key} is not set on stage ${action.stage}`);
        deps.out(`${value.value}\n`);
      }
      return;
    }
    case "unset":
      if (!writeStackConfigValue(deps.root, action.stage, action.key, undefined)) {
        throw new CliError(`${action.key} is not set on stage ${action.stage}`);
      }
      deps.out(`hive: removed ${action.key} from ${stackConfigPath(deps.root, action.stage)}\n`);
      return;
  }
}

export function registerVarCommands(program: Command, deps: () => CliDeps): void {
  const stageOpt = "-s, --stage <stage>";
  const stageHelp = "stage whose stack config is used; default: `hive set stage`, else private";
  program
    .command("set")
    .description("set a variable: stack config hive:<var> in Pulumi.<stage>.yaml (`set stage S` sets this checkout's default stage)")
    .argument("<var>", "variable name (hive: is prepended unless it has a namespace), or `stage`")
    .argument("[value]", "value; with --secret, leave it out to read it from standard input (keeps it off the command line)")
    .option(stageOpt, stageHelp)
    .option("--secret", "store encrypted (needs the Pulumi CLI)")
    .addHelpText("after", "\nExamples:\n  hive set stage staging\n  hive set inventory examples/pdns/inventory\n  hive set -s staging --secret aws:secretKey < secret-key.txt")
    .action(async (variable: string, value: string | undefined, opts: VarOptions) => {
      const d = deps();
      await runVar(planVar("set", variable, value, opts, d.root), d);
    });
  program
    .command("get")
    .description("print a variable (secrets as [secret] unless --show-secrets)")
    .argument("<var>", "variable name, or `stage`")
    .option(stageOpt, stageHelp)
    .option("--show-secrets", "decrypt a secret value (needs the Pulumi CLI)")
    .addHelpText("after", "\nExamples:\n  hive get stage\n  hive get inventory -s staging")
    .action(async (variable: string, opts: VarOptions) => {
      const d = deps();
      await runVar(planVar("get", variable, undefined, opts, d.root), d);
    });
  program
    .command("unset")
    .description("remove a variable from the stack config (`unset stage` returns to the private default)")
    .argument("<var>", "variable name, or `stage`")
    .option(stageOpt, stageHelp)
    .addHelpText("after", "\nExample:\n  hive unset halted -s staging")
    .action(async (variable: string, opts: VarOptions) => {
      const d = deps();
      await runVar(planVar("unset", variable, undefined, opts, d.root), d);
    });
}
