// The pure part of the stack commands: from the command name and its parsed options to what will be
// done (operation, stage, phase, limit, config changes). The execution lives in commands/stack.ts.
import type { Operation } from "../automation/types";
import type { Stage } from "../inventory/model";
import { resolveStage, CliError, type Settings } from "./context";
import { LIMITABLE, isPhase, type Phase } from "./phases";

export const WHOLE_STACK_COMMANDS = ["up", "all", "preview", "destroy", "refresh"] as const;
export const HALT_COMMANDS = ["halt", "start"] as const;
export type StackCommand = (typeof WHOLE_STACK_COMMANDS)[number] | (typeof HALT_COMMANDS)[number] | Phase;

/** Phases with hive-builder's `-D`: a targeted destroy of the phase's resources. */
export const DESTROYABLE_PHASES: readonly Phase[] = ["build-infra", "build-volumes", "deploy-services"];

export interface StackCommandOptions {
  stage?: string;
  limit?: string[];
  halt?: boolean;
  destroy?: boolean;
  /** Preview the phase instead of updating (hive-builder's `-C` check mode). */
  preview?: boolean;
}

export interface ConfigChange {
  /** Fully-qualified stack config key. */
  readonly key: string;
  readonly value: unknown;
}

export interface StackPlan {
  readonly operation: Operation;
  readonly stage: Stage;
  /** Targeted at this phase's resources; undefined = the whole stack. */
  readonly phase?: Phase;
  readonly limit: readonly string[];
  /** Stack config written before the operation (not for a preview). */
  readonly configChanges: readonly ConfigChange[];
  /** Destroys ask first (or need --yes). */
  readonly confirm: boolean;
  /** Whether the operation runs the program (and so needs a valid inventory). */
  readonly runsProgram: boolean;
  /** A preview of a destroy (`-D --preview`). */
  readonly previewDestroy?: boolean;
}

export const HALTED_KEY = "hive:halted";

export function planCommand(command: StackCommand, opts: StackCommandOptions, settings: Settings): StackPlan {
  const stage = resolveStage(opts.stage, settings);
  const limit = opts.limit ?? [];
  const make = (operation: Operation, rest: Partial<StackPlan> = {}): StackPlan => ({
    operation,
    stage,
    limit,
    configChanges: [],
    confirm: operation === "destroy",
    runsProgram: operation === "up" || operation === "preview",
    ...rest,
  });
  switch (command) {
    case "up":
    case "all":
      return make("up");
    case "preview":
      return make("preview");
    case "destroy":
      return make("destroy");
    case "refresh":
      return make("refresh");
    case "halt":
    case "start":
      return make(opts.preview ? "preview" : "up", {
        phase: "build-infra",
        configChanges: [{ key: HALTED_KEY, value: command === "halt" }],
      });
  }
  if (!isPhase(command)) throw new CliError(`unknown command ${String(command)}`);
  const phase = command;
  if (limit.length > 0 && LIMITABLE[phase] === undefined) {
    throw new CliError(`${phase} has no -l: it always covers the whole phase`);
  }
  if (opts.halt && phase !== "build-infra") throw new CliError(`-H (halt) is an option of build-infra only`);
  if (opts.destroy) {
    if (!DESTROYABLE_PHASES.includes(phase)) throw new CliError(`-D (destroy) is an option of ${DESTROYABLE_PHASES.join(", ")} only`);
    if (opts.halt) throw new CliError("-H and -D cannot be combined");
    return make(opts.preview ? "preview" : "destroy", { phase, confirm: !opts.preview, runsProgram: false, previewDestroy: opts.preview === true });
  }
  const configChanges = phase === "build-infra" ? [{ key: HALTED_KEY, value: opts.halt === true }] : [];
  return make(opts.preview ? "preview" : "up", { phase, configChanges });
}

/** One line describing the plan, printed before the operation starts. */
export function describePlan(plan: StackPlan, targets?: readonly string[]): string {
  const what = plan.phase ? `${plan.phase}${plan.limit.length > 0 ? ` (limited to ${plan.limit.join(", ")})` : ""}` : "the whole stack";
  const count = targets ? `, ${targets.length} resource${targets.length === 1 ? "" : "s"} targeted` : "";
  return `hive: ${plan.operation} of ${what} on stage ${plan.stage}${count}`;
}
