// Reading and storing the allocation ledger (see src/inventory/ledger.ts for why it lives in the stack outputs).
import * as pulumi from "@pulumi/pulumi";
import type { Allocations } from "../../src/inventory/model";
import type { PreviousKeys } from "../infra/access";
import { LEDGER_OUTPUT, ledgerToStore, parseLedger, selfStackName } from "../../src/inventory/ledger";

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
 * Reads the outputs of the last update of this very stack. Call it from the program entry before deriving
 * the site. Before the first deploy the stack has no outputs: then the ledger is `imported` (stack config
 * `hive:allocations`, e.g. hive-builder's `.hive/persistents.yml` numbers from `hive import-inventory`), else
 * empty, and there are no keys.
 */
export async function readPreviousStack(imported?: unknown, opts?: pulumi.CustomResourceOptions): Promise<PreviousStack> {
  const name = selfStackName(pulumi.getOrganization(), pulumi.getProject(), pulumi.getStack());
  const ref = new pulumi.StackReference("hive-previous-ledger", { name }, opts);
  const read = async (output: string) => {
    const details = await ref.getOutputDetails(output);
    return details.value ?? details.secretValue;
  };
  const [ledger, sshPrivateKey, sshRetiredKey, images] = await Promise.all([read(LEDGER_OUTPUT), read("sshPrivateKey"), read("sshRetiredKey"), read(IMAGES_OUTPUT)]);
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const recorded =
    typeof images === "object" && images !== null && !Array.isArray(images)
      ? Object.fromEntries(Object.entries(images).filter((e): e is [string, string] => typeof e[1] === "string"))
      : {};
  return { ledger: parseLedger(ledger ?? imported), keys: { sshPrivateKey: text(sshPrivateKey), sshRetiredKey: text(sshRetiredKey) }, images: recorded };
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
