// A test CliDeps: temp project root, captured output, a scripted runner and an in-memory StackAccess.
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OutputLike } from "../../src/automation/redact";
import { ScriptedStackRunner, type ScriptedRunnerOptions } from "../../src/automation/scripted";
import type { CliDeps } from "../../src/cli/deps";
import { runCli } from "../../src/cli/main";
import type { StackAccess } from "../../src/cli/stack-access";

export const PDNS_INVENTORY = join(__dirname, "../../examples/pdns/inventory");

export class FakeAccess implements StackAccess {
  readonly calls: string[] = [];
  constructor(
    public state: string[] = [],
    public outputs: Record<string, OutputLike> = {},
    public config: Record<string, { value: string; secret: boolean }> = {},
  ) {}
  async stateUrns(stage: string) {
    this.calls.push(`stateUrns ${stage}`);
    return this.state;
  }
  async rawOutputs(stage: string) {
    this.calls.push(`rawOutputs ${stage}`);
    return this.outputs;
  }
  async getConfig(stage: string, key: string) {
    this.calls.push(`getConfig ${stage} ${key}`);
    return this.config[key];
  }
  async setSecret(stage: string, key: string, value: string) {
    this.calls.push(`setSecret ${stage} ${key}`);
    this.config[key] = { value, secret: true };
  }
}

export interface Harness {
  root: string;
  deps: CliDeps;
  runner: ScriptedStackRunner;
  access: FakeAccess;
  out: () => string;
  err: () => string;
  execs: { command: string; args: readonly string[] }[];
  planned: string[];
  confirmations: string[];
  run(...argv: string[]): Promise<number>;
}

export interface HarnessOptions {
  runner?: ScriptedRunnerOptions;
  state?: string[];
  planned?: string[];
  outputs?: Record<string, OutputLike>;
  isTTY?: boolean;
  answer?: boolean;
  /** Contents of Pulumi.<stage>.yaml files. */
  stackConfig?: Record<string, string>;
  /** Copy the pdns example inventory to <root>/inventory. */
  inventory?: boolean;
  checkPulumi?: () => string;
  stdin?: string;
}

export function harness(opts: HarnessOptions = {}): Harness {
  const root = mkdtempSync(join(tmpdir(), "hive-cli-"));
  if (opts.inventory !== false) cpSync(PDNS_INVENTORY, join(root, "inventory"), { recursive: true });
  for (const [stage, text] of Object.entries(opts.stackConfig ?? {})) writeFileSync(join(root, `Pulumi.${stage}.yaml`), text);
  let out = "";
  let err = "";
  const runner = new ScriptedStackRunner(opts.runner ?? {});
  const access = new FakeAccess(opts.state ?? [], opts.outputs ?? {});
  const execs: Harness["execs"] = [];
  const confirmations: string[] = [];
  const planned = opts.planned ?? [];
  const deps: CliDeps = {
    root,
    env: {},
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTTY: opts.isTTY ?? false,
    confirm: async (q) => {
      confirmations.push(q);
      return opts.answer ?? false;
    },
    checkPulumi: opts.checkPulumi ?? (() => "v3.200.0"),
    runner: () => runner,
    access: () => access,
    plannedResources: async () => planned.map((urn) => ({ urn, dependsOn: [] })),
    interruptSignal: () => new AbortController().signal,
    readStdin: async () => opts.stdin ?? "",
    exec: async (command, args) => {
      execs.push({ command, args });
      return 0;
    },
  };
  return {
    root,
    deps,
    runner,
    access,
    out: () => out,
    err: () => err,
    execs,
    planned,
    confirmations,
    run: (...argv) => runCli(argv, deps),
  };
}

/** URNs of a small recorded stack (the shapes the components register). */
export function recordedUrns(stage: string): string[] {
  const u = (chain: string, name: string) => `urn:pulumi:${stage}::hive::${chain}::${name}`;
  const S = "hive:site:Site";
  const W = `${S}$hive:services:Workloads`;
  return [
    u("pulumi:pulumi:Stack", `hive-${stage}`),
    u(S, "pdns"),
    u(`${S}$hive:infra:AwsHostFleet`, "pdns-aws"),
    u(`${S}$hive:infra:AwsHostFleet$aws:ec2/vpc:Vpc`, "pdns-aws-vpc"),
    u(`${S}$hive:infra:AwsHostFleet$aws:ec2/instance:Instance`, "pdns-aws-s-hive0"),
    u(`${S}$hive:host:HostSetup`, "pdns-s-hive0"),
    u(`${S}$hive:host:HostSetup$command:remote:Command`, "pdns-s-hive0-docker"),
    u(W, "pdns-workloads"),
    u(`${W}$pulumi:providers:docker`, "pdns-workloads-docker-s-hive0"),
    u(`${W}$hive:images:ImageBuild`, "pdns-workloads-image-pdnsdb"),
    u(`${W}$hive:images:ImageBuild$command:remote:Command`, "pdns-workloads-image-pdnsdb-build"),
    u(`${W}$hive:volumes:DrbdVolume`, "pdns-workloads-volume-pdnsdb_data"),
    u(`${W}$hive:volumes:DrbdVolume$command:remote:Command`, "pdns-workloads-volume-pdnsdb_data-resource"),
    u(`${W}$hive:services:SwarmService`, "pdns-workloads-service-powerdns"),
    u(`${W}$hive:services:SwarmService$docker:index/service:Service`, "pdns-workloads-service-powerdns-service"),
    u(`${W}$hive:services:SwarmService`, "pdns-workloads-service-pdnsdb"),
    u(`${W}$hive:services:SwarmService$docker:index/service:Service`, "pdns-workloads-service-pdnsdb-service"),
    u(`${W}$hive:services:ServiceInit`, "pdns-workloads-init-powerdns"),
  ];
}

