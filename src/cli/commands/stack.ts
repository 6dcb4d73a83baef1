// `hive up|all|preview|destroy|refresh`, the seven phase commands, `halt`/`start`, `unlock` and `outputs`.
import { Option, type Command } from "commander";
import { runOperation } from "../../automation/run";
import type { RunResult } from "../../automation/types";
import { InventoryError, loadSite } from "../../inventory";
import { describePlan, planCommand, DESTROYABLE_PHASES, type StackCommand, type StackCommandOptions, type StackPlan } from "../actions";
import { CliError, isLockError, lockMessage, readSettings, readStackConfig, resolveInventory, resolveStage, writeStackConfigValue } from "../context";
import type { CliDeps } from "../deps";
import { errorDiagnostics, failureReport } from "../failure";
import { chooseParallel, PARALLEL_KEY } from "../parallel";
import { LIMITABLE, PHASES, parseUrn, phaseTargets, type Phase, type PlannedResource } from "../phases";

export interface StackCliOptions extends StackCommandOptions {
  inventory?: string;
  parallel?: string;
  yes?: boolean;
  json?: boolean;
  message?: string;
}

const PHASE_HELP: Record<Phase, string> = {
  "build-infra": "servers, networks, disks, firewall, keys and the CA (targeted update)",
  "setup-hosts": "host software: packages, Docker, DRBD, swarm, the repository server (targeted update)",
  "build-images": "build and push the service images to the registry (targeted update)",
  "build-volumes": "DRBD resources and Docker volumes (targeted update)",
  "build-networks": "the swarm overlay networks (targeted update)",
  "deploy-services": "the swarm services (targeted update)",
  "initialize-services": "the services' initialize_roles (targeted update)",
};

/** The inventory must load for the stage before the program runs: its problems are the message. */
export function checkInventory(deps: CliDeps, plan: StackPlan, inventoryFlag?: string): { dir: string; size: { servers: number; services: number } } {
  const dir = resolveInventory(deps.root, plan.stage, inventoryFlag);
  try {
    const site = loadSite({ inventoryDir: dir, stage: plan.stage, contextDir: `${deps.root}/.hive/${plan.stage}` });
    return { dir, size: { servers: site.hosts.length, services: site.services.length } };
  } catch (err) {
    if (err instanceof InventoryError) throw new CliError(err.message);
    throw err;
  }
}

/**
 * The URNs a phase command targets: its resources in the state and in the program's plan, with the support
 * resources they need (see `phaseTargets` in phases.ts). A `-D` destroys only the phase's own resources.
 */
export async function phaseTargetList(deps: CliDeps, plan: StackPlan, inventoryDir: string): Promise<string[]> {
  if (!plan.phase) return [];
  const state = await deps.access().stateUrns(plan.stage);
  const destroying = plan.operation === "destroy" || plan.previewDestroy === true;
  let planned: PlannedResource[] = [];
  let planFailed = false;
  if (!destroying) {
    try {
      planned = await deps.plannedResources(plan.stage, inventoryDir);
    } catch (err) {
      planFailed = true;
      deps.err(`hive: warning: ${err instanceof Error ? err.message : String(err)}; targeting the resources in the state only\n`);
    }
  }
  const limited = plan.limit.length > 0 ? ` named ${plan.limit.join(", ")}` : "";
  const { own, targets, missing } = phaseTargets(planned, state, plan.phase, plan.limit);
  // An empty target list would make the engine update the whole stack: never pass one. A phase the site has
  // nothing of (build-volumes without DRBD or driver volumes, say) is done; names that match nothing are a mistake.
  if (own.length === 0) {
    // Without the program's plan, an empty state says nothing about what the site has.
    if (planFailed) throw new CliError(`cannot tell what ${plan.phase}${limited} covers on stage ${plan.stage}: the program's plan failed (above) and the state holds none of it`);
    if (plan.limit.length > 0) throw new CliError(`no resources of ${plan.phase}${limited} on stage ${plan.stage}: nothing to do`);
    return [];
  }
  if (destroying) return own;
  if (missing.length > 0) {
    const phases = [...new Set(missing.map((m) => m.phase ?? "up"))];
    const first = missing[0];
    throw new CliError(
      `${plan.phase}${limited} on stage ${plan.stage} needs ${missing.length} resource${missing.length === 1 ? "" : "s"} that do not exist yet ` +
        `(e.g. ${parseUrn(first.urn).name}, needed by ${parseUrn(first.neededBy).name}): run ${phases.map((p) => `\`hive ${p} -s ${plan.stage}\``).join(", ")} first, or \`hive up -s ${plan.stage}\``,
    );
  }
  return targets;
}

const ALLOW_DESTROY_PRODUCTION_KEY = "hive:allowDestroyProduction";

/**
 * SPEC §5.6: production is destroyed (wholly or a phase's `-D`) only with `hive:allowDestroyProduction`. A plain
 * `pulumi destroy` stops at the program's destroy guard (components/destroy-guard.ts); this refuses before
 * the engine starts, and says how to lift the protection.
 */
export function refuseProductionDestroy(plan: StackPlan, stackConfig: Readonly<Record<string, unknown>>): void {
  if (plan.stage !== "production") return;
  const allowed = stackConfig[ALLOW_DESTROY_PRODUCTION_KEY];
  if (allowed === true || allowed === "true") return;
  throw new CliError(
    `refusing to destroy ${plan.phase ? `the ${plan.phase} resources of ` : ""}stage production: nothing was deleted. ` +
      "To allow it, run `hive set allowDestroyProduction true -s production` and `hive up -s production` (which lifts the protection), then destroy again",
  );
}

function summary(result: RunResult): string {
  const changes = Object.entries(result.changes ?? {})
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");
  return changes === "" ? "no changes reported" : changes;
}

/** Runs a stack command: the pure plan, then inventory check, config, targets, confirmation, operation. */
export async function runStackCommand(command: StackCommand, opts: StackCliOptions, deps: CliDeps): Promise<RunResult> {
  const plan = planCommand(command, opts, readSettings(deps.root));
  // Read once: nothing below writes the stack config before the config changes, which compare with it.
  const stackConfig = readStackConfig(deps.root, plan.stage);
  if (plan.operation === "destroy") refuseProductionDestroy(plan, stackConfig);
  deps.checkPulumi();
  const checked = plan.runsProgram ? checkInventory(deps, plan, opts.inventory) : undefined;
  const inventoryDir = checked?.dir ?? resolveInventory(deps.root, plan.stage, opts.inventory);
  const parallel = chooseParallel(opts.parallel, stackConfig[PARALLEL_KEY], checked?.size);
  const targets = plan.phase ? await phaseTargetList(deps, plan, inventoryDir) : undefined;
  const log = (line: string) => (opts.json ? deps.err(`${line}\n`) : deps.out(`${line}\n`));
  /** The result on stdout with --json, else the line after the engine's output. */
  const report = (result: RunResult, line: string): RunResult => {
    if (opts.json) deps.out(JSON.stringify({ stage: plan.stage, operation: plan.operation, phase: plan.phase ?? null, targets: targets ?? null, ...result }, null, 2) + "\n");
    else log(line);
    return result;
  };
  if (targets !== undefined && targets.length === 0) {
    return report({ status: "succeeded", changes: {} }, `hive: the site has no resources of ${plan.phase} on stage ${plan.stage}: nothing to do`);
  }
  log(describePlan(plan, targets));
  if (plan.confirm && !opts.yes) {
    if (!deps.isTTY) throw new CliError(`${plan.operation} of ${plan.phase ?? "the whole stack"} needs --yes when not run from a terminal`);
    if (!(await deps.confirm(`Destroy ${plan.phase ? `the ${plan.phase} resources` : "every resource"} of stage ${plan.stage}?`))) {
      throw new CliError("cancelled: nothing was destroyed");
    }
  }
  if (plan.operation !== "preview") {
    for (const change of plan.configChanges) {
      const unchanged = stackConfig[change.key] === change.value || (stackConfig[change.key] === undefined && change.value === false);
      if (!unchanged) {
        writeStackConfigValue(deps.root, plan.stage, change.key, change.value);
        log(`hive: set ${change.key} = ${JSON.stringify(change.value)} in Pulumi.${plan.stage}.yaml`);
      }
    }
  } else if (plan.configChanges.some((c) => c.key === "hive:halted" && c.value === true)) {
    log("hive: preview only: hive:halted is not changed");
  }
  const events: Record<string, unknown>[] = [];
  const result = await runOperation(deps.runner(), plan.operation, plan.stage, {
    onEvent: (event) => {
      if ("diagnosticEvent" in event) events.push(event);
    },
    targets,
    inventory: opts.inventory !== undefined ? inventoryDir : undefined,
    destroy: plan.previewDestroy,
    message: opts.message,
    signal: deps.interruptSignal?.(),
    onOutput: log,
    parallel,
  });
  if (result.status === "cancelled") throw new CliError(`${plan.operation} cancelled`, 130);
  if (result.status === "failed") {
    const error = result.error ?? "unknown error";
    if (isLockError(error)) throw new CliError(lockMessage(plan.stage));
    throw new CliError(failureReport(plan.operation, plan.stage, errorDiagnostics(events), error));
  }
  return report(result, `hive: ${plan.operation} succeeded: ${summary(result)}`);
}

const stageOption = () => new Option("-s, --stage <stage>", "stage (stack): private, staging or production; default: `hive set stage`, else private");
const inventoryOption = () => new Option("-i, --inventory <dir>", "inventory folder; default: stack config hive:inventory, else inventory/");
const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(",").filter((v) => v !== "")];

function addCommon(cmd: Command): Command {
  return cmd
    .addOption(stageOption())
    .addOption(inventoryOption())
    .option("--json", "print the result as JSON on stdout (progress goes to stderr)")
    .option("--parallel <n>", "resource operations at once; default: stack config hive:parallel, else one per service and four per server (16 to 64)")
    .option("-m, --message <text>", "message recorded in the stack's update history");
}

export function registerStackCommands(program: Command, deps: () => CliDeps): void {
  const run = (command: StackCommand) => async (opts: StackCliOptions) => {
    await runStackCommand(command, opts, deps());
  };

  addCommon(program.command("up").description("deploy the whole site: every phase in dependency order (pulumi up)"))
    .addHelpText("after", "\nExamples:\n  hive up -s staging\n  hive up --json > result.json")
    .action(run("up"));
  addCommon(program.command("all").description("the same as `hive up` (hive-builder's `hive all`)"))
    .addHelpText("after", "\nExample:\n  hive all -s production")
    .action(run("all"));
  addCommon(program.command("preview").description("show what `hive up` would change, without changing anything"))
    .addHelpText("after", "\nExample:\n  hive preview -s staging")
    .action(run("preview"));
  addCommon(program.command("refresh").description("read the real state of every resource into the stack state"))
    .addHelpText("after", "\nExample:\n  hive refresh -s staging")
    .action(run("refresh"));
  addCommon(program.command("destroy").description("delete every resource of the stage (asks first; --yes without a terminal)"))
    .option("-y, --yes", "do not ask for confirmation")
    .addHelpText("after", "\nExample:\n  hive destroy -s private --yes")
    .action(run("destroy"));

  for (const phase of PHASES) {
    const cmd = addCommon(program.command(phase).description(PHASE_HELP[phase]));
    cmd.option("-C, --preview", "preview the phase instead of applying it (hive-builder's check mode)");
    const limitable = LIMITABLE[phase];
    if (limitable) cmd.option("-l, --limit <names>", `only these ${limitable}; comma-separated or repeated`, collect);
    if (phase === "build-infra") cmd.option("-H, --halt", "stop the servers (sets hive:halted true); a plain build-infra starts them again");
    if (DESTROYABLE_PHASES.includes(phase)) {
      cmd.option("-D, --destroy", "delete this phase's resources (asks first; --yes without a terminal)");
      cmd.option("-y, --yes", "do not ask for confirmation before -D");
    }
    const examples = [`  hive ${phase} -s staging`];
    if (limitable) examples.push(`  hive ${phase} -l ${phase === "build-volumes" ? "pdnsdb_data" : phase === "setup-hosts" ? "s-hive0" : "powerdns,pdnsdb"}`);
    if (phase === "build-infra") examples.push("  hive build-infra -H        # stop the servers", "  hive build-infra -D --yes  # delete the servers and networks");
    cmd.addHelpText("after", `\nExamples:\n${examples.join("\n")}`).action(run(phase));
  }

  addCommon(program.command("halt").description("stop the servers: sets hive:halted true and runs build-infra"))
    .option("-C, --preview", "preview instead of applying")
    .addHelpText("after", "\nExample:\n  hive halt -s staging")
    .action(run("halt"));
  addCommon(program.command("start").description("start halted servers: sets hive:halted false and runs build-infra"))
    .option("-C, --preview", "preview instead of applying")
    .addHelpText("after", "\nExample:\n  hive start -s staging")
    .action(run("start"));

  program
    .command("unlock")
    .description("remove a stale lock left by a crashed update (pulumi cancel); only when no update is running")
    .addOption(stageOption())
    .addHelpText("after", "\nExample:\n  hive unlock -s staging")
    .action(async (opts: { stage?: string }) => {
      const d = deps();
      const stage = resolveStage(opts.stage, readSettings(d.root));
      d.checkPulumi();
      await d.runner().cancel(stage);
      d.out(`hive: stage ${stage} unlocked\n`);
    });

  program
    .command("outputs")
    .description("print the stack outputs of the stage; secret values are masked unless --show-secrets")
    .addOption(stageOption())
    .option("--json", "print the outputs as one JSON object")
    .option("--show-secrets", "print secret values in plaintext")
    .addHelpText("after", "\nExamples:\n  hive outputs -s staging\n  hive outputs --json | jq -r .sshConfig")
    .action(async (opts: { stage?: string; json?: boolean; showSecrets?: boolean }) => {
      await outputsCommand(opts, deps());
    });
}

export async function outputsCommand(opts: { stage?: string; json?: boolean; showSecrets?: boolean }, deps: CliDeps): Promise<Record<string, unknown>> {
  const stage = resolveStage(opts.stage, readSettings(deps.root));
  deps.checkPulumi();
  let outputs: Record<string, unknown>;
  if (opts.showSecrets) {
    const raw = await deps.access().rawOutputs(stage);
    outputs = Object.fromEntries(Object.keys(raw).sort().map((k) => [k, raw[k].value]));
  } else {
    outputs = await deps.runner().outputs(stage);
  }
  if (opts.json) {
    deps.out(JSON.stringify(outputs, null, 2) + "\n");
  } else {
    for (const [name, value] of Object.entries(outputs)) {
      const text = typeof value === "string" ? value : JSON.stringify(value);
      deps.out(text.includes("\n") ? `${name}:\n${text.replace(/^/gm, "  ")}\n` : `${name}: ${text}\n`);
    }
  }
  return outputs;
}
