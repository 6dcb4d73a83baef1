// What the CLI needs from a stack beyond the StackRunner operations: the URNs in its state, secret
// config, and the raw outputs `hive ssh` writes to disk. Behind an interface so tests use a double.
import { execFile, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { resolveBackendUrl } from "../automation/backend";
import type { OutputLike } from "../automation/redact";
import { makeUrn, parseUrn, type PlannedResource } from "./phases";

export interface StackAccess {
  /** URNs of the resources in the stage's state; empty when the stack does not exist yet. */
  stateUrns(stage: string): Promise<string[]>;
  /** Outputs with their secret values (only for writing the ssh context; never printed unless asked). */
  rawOutputs(stage: string): Promise<Record<string, OutputLike>>;
  /** One config value through the CLI (decrypts secrets). */
  getConfig(stage: string, key: string): Promise<{ value: string; secret: boolean } | undefined>;
  /** Stores a secret config value (the CLI encrypts it into Pulumi.<stage>.yaml). */
  setSecret(stage: string, key: string, value: string): Promise<void>;
}

/** The Automation API implementation over the project's Pulumi.yaml. */
export class LocalStackAccess implements StackAccess {
  private readonly envVars: Record<string, string>;
  constructor(private readonly workDir: string) {
    this.envVars = { PULUMI_BACKEND_URL: resolveBackendUrl(workDir) };
  }

  private async stack(stage: string, create: boolean): Promise<Stack> {
    const backend = this.envVars.PULUMI_BACKEND_URL;
    if (backend.startsWith("file://")) mkdirSync(backend.slice("file://".length).split("?")[0], { recursive: true });
    const args = { stackName: stage, workDir: this.workDir };
    const opts = { workDir: this.workDir, envVars: this.envVars };
    // Loaded on first use: the Automation API is slow to load and most commands never need it.
    const { LocalWorkspace } = require("@pulumi/pulumi/automation") as typeof import("@pulumi/pulumi/automation");
    return create ? LocalWorkspace.createOrSelectStack(args, opts) : LocalWorkspace.selectStack(args, opts);
  }

  async stateUrns(stage: string): Promise<string[]> {
    let stack: Stack;
    try {
      stack = await this.stack(stage, false);
    } catch (err) {
      if (/no stack named|not found/i.test(err instanceof Error ? err.message : String(err))) return [];
      throw err;
    }
    const exported = await stack.exportStack();
    const resources = (exported.deployment as { resources?: { urn: string }[] } | undefined)?.resources ?? [];
    return resources.map((r) => r.urn);
  }

  async rawOutputs(stage: string): Promise<Record<string, OutputLike>> {
    return (await this.stack(stage, false)).outputs();
  }

  async getConfig(stage: string, key: string): Promise<{ value: string; secret: boolean } | undefined> {
    const value = (await (await this.stack(stage, false)).getAllConfig())[key];
    return value === undefined ? undefined : { value: value.value, secret: value.secret === true };
  }

  /**
   * `pulumi config set --secret` with the value on standard input: the Automation API's setConfig would put
   * it on the command line, where every user of the machine can read it.
   */
  async setSecret(stage: string, key: string, value: string): Promise<void> {
    await this.stack(stage, true);
    const args = ["config", "set", "--secret", "--stack", stage, "--non-interactive", key];
    await new Promise<void>((resolve, reject) => {
      const child = spawn("pulumi", args, { cwd: this.workDir, env: { ...process.env, ...this.envVars }, stdio: ["pipe", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      child.on("error", reject);
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(stderr.trim() || `pulumi config set exited with status ${code}`))));
      child.stdin.end(value);
    });
  }
}

/** One resource as `hive plan --json` prints it. */
export interface PlanJsonResource {
  type: string;
  name: string;
  /** The parent's URN (or, in older output, its name); null/absent for top-level resources. */
  parent?: string | null;
  urn?: string;
  /** Names of the resources it depends on. */
  dependsOn?: string[];
  /** Name of its explicit provider resource. */
  provider?: string | null;
}

/**
 * The URNs the program will create, from `hive plan --json` output: the URN when given, else built from
 * the type chain of the parents (`makeUrn(stage, "hive", typeChain, name)`).
 */
export function urnsFromPlan(stage: string, resources: readonly PlanJsonResource[]): string[] {
  // Parents are named by name only; when a name is shared (a component and a resource of another type),
  // the parent is the component (a `hive:` type), since only components have children.
  const byName = new Map<string, PlanJsonResource>();
  for (const r of resources) {
    const seen = byName.get(r.name);
    if (!seen || (!seen.type.startsWith("hive:") && r.type.startsWith("hive:"))) byName.set(r.name, r);
  }
  const chain = (r: PlanJsonResource, seen: Set<PlanJsonResource>): string[] => {
    if (r.urn) return [...parseUrn(r.urn).typeChain];
    if (seen.has(r)) throw new Error(`plan: parent cycle at ${r.name}`);
    seen.add(r);
    if (!r.parent) return [r.type];
    if (r.parent.startsWith("urn:pulumi:")) {
      const parentChain = parseUrn(r.parent).typeChain;
      return parentChain.at(-1) === "pulumi:pulumi:Stack" ? [r.type] : [...parentChain, r.type];
    }
    const parent = byName.get(r.parent);
    if (!parent) return [r.type];
    const parentChain = chain(parent, seen);
    return parentChain.at(-1) === "pulumi:pulumi:Stack" ? [r.type] : [...parentChain, r.type];
  };
  return resources.map((r) => r.urn ?? makeUrn(stage, "hive", chain(r, new Set()), r.name));
}

/**
 * The resources the program will create with the URNs they need first: their dependencies (named by name
 * only; a name two resources share, a CA key and its certificate, stands for both) and their parent.
 */
export function resourcesFromPlan(stage: string, resources: readonly PlanJsonResource[]): PlannedResource[] {
  const urns = urnsFromPlan(stage, resources);
  const byName = new Map<string, string[]>();
  resources.forEach((r, i) => byName.set(r.name, [...(byName.get(r.name) ?? []), urns[i]]));
  return resources.map((r, i) => {
    // The parent has this resource's type chain without its last type (none when it is the stack).
    const chain = parseUrn(urns[i]).typeChain.slice(0, -1).join("$");
    const parent = r.parent ? (byName.get(r.parent.startsWith("urn:pulumi:") ? parseUrn(r.parent).name : r.parent) ?? []).filter((u) => parseUrn(u).typeChain.join("$") === chain) : [];
    const deps = (r.dependsOn ?? []).flatMap((d) => byName.get(d) ?? []);
    // The engine needs a resource's provider as it needs a dependency.
    const provider = r.provider ? (byName.get(r.provider) ?? []).filter((u) => parseUrn(u).typeChain.at(-1)?.startsWith("pulumi:providers:")) : [];
    return { urn: urns[i], dependsOn: [...new Set([...deps, ...parent, ...provider])].filter((d) => d !== urns[i]) };
  });
}

export type PlannedResources = (stage: string, inventoryDir: string) => Promise<PlannedResource[]>;

/**
 * Runs `hive plan -s <stage> -i <dir> --json` in a child process (the mock runtime allows one program per
 * process) and returns the URNs it would create.
 */
export function plannedResourcesVia(hiveBin: string, cwd: string): PlannedResources {
  return (stage, inventoryDir) =>
    new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [hiveBin, "plan", "-s", stage, "-i", inventoryDir, "--json"],
        { cwd, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" },
        (err, stdout, stderr) => {
          if (err) return reject(new Error(`hive plan failed: ${(stderr || err.message).trim().split("\n")[0]}`));
          try {
            const parsed = JSON.parse(stdout) as { resources?: PlanJsonResource[] };
            resolve(resourcesFromPlan(stage, parsed.resources ?? []));
          } catch (e) {
            reject(new Error(`hive plan --json printed no plan: ${e instanceof Error ? e.message : String(e)}`));
          }
        },
      );
    });
}

export const HIVE_BIN = join(__dirname, "../../bin/hive.js");
