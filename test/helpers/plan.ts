// Runs the program for a fixture site under the plan's mocks and offers lookups for assertions.
// One plan per test process (the Pulumi runtime is global).
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { join } from "node:path";
import type { Site } from "../../src/inventory/model";
import type { SiteOptions } from "../../components/site";
import { runPlan, type PlanResult, type PlannedResource } from "../../src/plan/run";
import { maskSecrets } from "../../src/plan/render";
import { runProgram } from "../../src/program";

export const DEFAULT_OPTIONS: SiteOptions = { adminCidrs: ["0.0.0.0/0"], halted: false, allowDestroyProduction: false, contextDir: "/tmp/hive-test/.hive/stage" };

export interface PlanView {
  plan: PlanResult;
  all: PlannedResource[];
  byType(type: string): PlannedResource[];
  get(type: string, name: string): PlannedResource;
  nameOf(urn: string | null): string | null;
  parentName(r: PlannedResource): string | null;
  dependencyNames(r: PlannedResource): string[];
  /** Inputs with secrets replaced by "[secret]". */
  inputs(r: PlannedResource): Record<string, unknown>;
}

export async function planSite(site: Site, options: Partial<SiteOptions> = {}): Promise<PlanView> {
  const plan = await runPlan({ stage: site.stage }, () => runProgram(site, { ...DEFAULT_OPTIONS, ...options }));
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const nameOf = (urn: string | null) => (urn ? (byUrn.get(urn)?.name ?? null) : null);
  return {
    plan,
    all: [...plan.resources],
    byType: (type) => plan.resources.filter((r) => r.type === type),
    get(type, name) {
      const found = plan.resources.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}: ${plan.resources.filter((r) => r.type === type).map((r) => r.name).join(", ")}`);
      return found[0];
    },
    nameOf,
    parentName: (r) => nameOf(r.parent),
    dependencyNames: (r) => r.dependencies.map((u) => nameOf(u) ?? u).sort(),
    inputs: (r) => maskSecrets(r.inputs) as Record<string, unknown>,
  };
}

/** Runs bin/hive.js as a new user would: no cloud credentials, no Pulumi CLI on PATH, no stack config. */
export function runHive(args: readonly string[]): SpawnSyncReturns<string> {
  const root = join(__dirname, "../..");
  const env = { ...process.env, PATH: "/usr/bin:/bin", AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", PULUMI_CONFIG: "" };
  return spawnSync(process.execPath, [join(root, "bin/hive.js"), ...args], { cwd: root, encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 });
}
