// Where `hive inventory` finds the stored allocation ledger of a stage: the stack's `allocations` output
// (what the last update stored), else the imported ledger in the stack config (`hive:allocations`), else none.
import type { Allocations } from "../inventory/model";
import { LEDGER_OUTPUT, parseLedger } from "../inventory/ledger";
import type { StackRunner } from "../automation/types";
import { readStackConfig } from "./context";

export interface StoredLedger {
  readonly ledger: Allocations;
  readonly source: "stack" | "config" | "none";
}

/**
 * `runner` is null when the Pulumi CLI is not available (or not wanted); a stage without a stack or without
 * the output falls back to the config.
 */
export async function storedLedger(root: string, stage: string, runner: StackRunner | null): Promise<StoredLedger> {
  if (runner !== null) {
    const outputs = await runner.outputs(stage).catch(() => undefined);
    const stored = outputs?.[LEDGER_OUTPUT];
    if (stored !== undefined) return { ledger: parseLedger(stored), source: "stack" };
  }
  const imported = readStackConfig(root, stage)["hive:allocations"];
  if (imported !== undefined) return { ledger: parseLedger(typeof imported === "string" ? JSON.parse(imported) : imported), source: "config" };
  return { ledger: parseLedger(undefined), source: "none" };
}
