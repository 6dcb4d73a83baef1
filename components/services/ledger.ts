// Reading and storing the allocation ledger (see src/inventory/ledger.ts for why it lives in the stack outputs).
import * as pulumi from "@pulumi/pulumi";
import type { Allocations } from "../../src/inventory/model";
import { LEDGER_OUTPUT, ledgerToStore, parseLedger, selfStackName } from "../../src/inventory/ledger";

/**
 * The ledger stored by the last update of this very stack. Call it from the program entry before deriving the
 * site. Before the first deploy the stack has no outputs: then the ledger is `imported` (stack config
 * `hive:allocations`, e.g. hive-builder's `.hive/persistents.yml` numbers from `hive import-inventory`), else empty.
 */
export async function readPreviousLedger(imported?: unknown, opts?: pulumi.CustomResourceOptions): Promise<Allocations> {
  const name = selfStackName(pulumi.getOrganization(), pulumi.getProject(), pulumi.getStack());
  const ref = new pulumi.StackReference("hive-previous-ledger", { name }, opts);
  const details = await ref.getOutputDetails(LEDGER_OUTPUT);
  return parseLedger(details.value ?? details.secretValue ?? imported);
}

export interface AllocationLedgerArgs {
  /** What `readPreviousLedger` returned. */
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
