// Reading and storing the allocation ledger (see src/inventory/ledger.ts for why it lives in the stack outputs).
import * as pulumi from "@pulumi/pulumi";
import type { Allocations } from "../../src/inventory/model";
import type { PreviousKeys } from "../infra/access";
import { LEDGER_OUTPUT, ledgerToStore, parseLedger, selfStackName } from "../../src/inventory/ledger";
import { stringLeaves } from "../../src/automation/redact";
import { reportSecrets } from "../../src/automation/secret-channel";

/** What the last update of this very stack left in its outputs. */
export interface PreviousStack {
  /** The allocation ledger. */
  readonly ledger: Allocations;
  /** The site keys (secret outputs `sshPrivateKey`, `sshRetiredKey`). */
  readonly keys: PreviousKeys;
  /** The image each service's swarm spec held after the update (output `images`, see recordedImage). */
  readonly images: Readonly<Record<string, string>>;
}

/** The stack output of the images swarm recorded, read back by the next update. */
export const IMAGES_OUTPUT = "images";

/**
 * The engine's own function that reads a stack's outputs from the backend (a StackReference reads through it
 * too). Called as a function rather than through a StackReference resource: the resource is a read step,
 * which the engine records in the state with two checkpoint writes of the whole state before the program can
 * go on (a quarter of a second on a 190-resource stack, every update).
 */
export const READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs";

/** A value as the runtime returns it from a function, with the secrets it holds unwrapped. */
function plain(value: unknown): unknown {
  if (pulumi.runtime.isRpcSecret(value)) return plain(pulumi.runtime.unwrapRpcSecret(value));
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/**
 * Reads the outputs of the last update of this very stack. Call it from the program entry before deriving
 * the site. Before the first deploy the stack has no outputs: then the ledger is `imported` (stack config
 * `hive:allocations`, e.g. hive-builder's `.hive/persistents.yml` numbers from `hive import-inventory`), else
 * empty, and there are no keys. The secret outputs reach the runner before anything uses them
 * (components/secret-report.ts).
 */
export async function readPreviousStack(imported?: unknown): Promise<PreviousStack> {
  const name = selfStackName(pulumi.getOrganization(), pulumi.getProject(), pulumi.getStack());
  const read = (await pulumi.runtime.invoke(READ_STACK_OUTPUTS, { name })) as { outputs?: unknown; secretOutputNames?: unknown };
  const outputs = (plain(read.outputs) ?? {}) as Record<string, unknown>;
  const secretNames = Array.isArray(read.secretOutputNames) ? read.secretOutputNames.filter((n): n is string => typeof n === "string") : [];
  reportSecrets(secretNames.flatMap((n) => stringLeaves(outputs[n])));
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const images = outputs[IMAGES_OUTPUT];
  const recorded =
    typeof images === "object" && images !== null && !Array.isArray(images)
      ? Object.fromEntries(Object.entries(images).filter((e): e is [string, string] => typeof e[1] === "string"))
      : {};
  return {
    ledger: parseLedger(outputs[LEDGER_OUTPUT] ?? imported),
    keys: { sshPrivateKey: text(outputs.sshPrivateKey), sshRetiredKey: text(outputs.sshRetiredKey) },
    images: recorded,
  };
}

export interface AllocationLedgerArgs {
  /** The ledger `readPreviousStack` returned. */
  readonly previous: Allocations;
  /** `site.allocations`. */
  readonly current: Allocations;
}

/** Holds the ledger to store; the program exports `allocations` from it as the stack output `allocations`. */
export class AllocationLedger extends pulumi.ComponentResource {
  public readonly allocations: pulumi.Output<Allocations>;

  constructor(name: string, args: AllocationLedgerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:services:AllocationLedger", name, {}, opts);
    this.allocations = pulumi.output(ledgerToStore(args.previous, args.current));
    this.registerOutputs({ allocations: this.allocations });
  }
}
