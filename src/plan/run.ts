// `hive plan`: runs the real program with the Pulumi runtime in mock mode and records every resource
// registration (type, name, parent, dependencies, protect, delete-before-replace, inputs with secrets still marked).
import * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "./mocks";

export interface PlannedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** URN of the parent; null for the stack itself. */
  readonly parent: string | null;
  readonly custom: boolean;
  /** Provider reference (`<provider urn>::<id>`); empty for the default provider and components. */
  readonly provider: string;
  readonly protect: boolean;
  /** The engine deletes the old resource before creating its replacement. */
  readonly deleteBeforeReplace?: boolean;
  /** URNs of explicit and implied dependencies. */
  readonly dependencies: readonly string[];
  /** Inputs as the engine would receive them; secrets are wrapped (see `isSecretValue`). */
  readonly inputs: Record<string, unknown>;
}

export interface PlanResult {
  readonly resources: readonly PlannedResource[];
  /** Stack outputs, secrets wrapped like inputs. */
  readonly outputs: Record<string, unknown>;
  /** Provider functions (data sources) the program called. */
  readonly invokes: readonly { readonly token: string; readonly inputs: Record<string, unknown> }[];
}

export interface PlanRunOptions {
  readonly stage: string;
  /** Stack config (`hive:inventory` …); objects are JSON-encoded as the CLI would store them. */
  readonly config?: Readonly<Record<string, unknown>>;
  readonly secretKeys?: readonly string[];
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getProtect(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getDependenciesList(): string[];
  getObject(): unknown;
}
interface RegisterResponse {
  getUrn(): string;
}
type Callback = (err: unknown, resp: RegisterResponse | undefined) => void;
interface MonitorLike {
  registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
}

/** Marks of a secret in mock inputs (`pulumi.runtime.specialSigKey` = the secret signature). */
export function isSecretValue(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/**
 * Runs `program` (which creates the resources and returns the stack outputs) under mocks and returns what it
 * registered, after every registration has finished. One plan per process: the Pulumi runtime is global.
 */
export async function runPlan(options: PlanRunOptions, program: () => Promise<Record<string, unknown>> | Record<string, unknown>): Promise<PlanResult> {
  // The SDK records a stack trace for every promise it tracks (for leak reports) and for every resource;
  // building and source-mapping those traces was most of a large site's plan (30 hosts, 300 services, ~7000
  // resources: 41 s). A plan reports the inventory's and the program's own messages, which need neither.
  process.setSourceMapsEnabled(false);
  Error.stackTraceLimit = 1;
  const mocks = new PlanMocks();
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.config ?? {})) {
    if (v !== undefined) config[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  pulumi.runtime.setAllConfig(config, [...(options.secretKeys ?? [])]);
  await pulumi.runtime.setMocks(mocks, "hive", options.stage, false, "organization");

  const resources: PlannedResource[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    register(req, (err, resp) => {
      if (!err && resp) {
        const inputs = pulumi.runtime.deserializeProperties(req.getObject() as never) as Record<string, unknown>;
        const urn = resp.getUrn();
        if (req.getType().startsWith("pulumi:providers:")) mocks.recordProvider(urn, inputs);
        resources.push({
          urn,
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent() || null,
          custom: req.getCustom(),
          provider: req.getProvider(),
          protect: req.getProtect() === true,
          deleteBeforeReplace: req.getDeletebeforereplace() === true,
          dependencies: req.getDependenciesList(),
          inputs,
        });
      }
      cb(err, resp);
    });

  const failures: unknown[] = [];
  const onRejection = (reason: unknown) => failures.push(reason);
  process.on("unhandledRejection", onRejection);
  try {
    let outputs: Record<string, unknown> = {};
    await pulumi.runtime.runInPulumiStack(async () => (outputs = await program()));
    await pulumi.runtime.disconnect();
    if (failures.length > 0) throw failures[0];
    // Serialized rather than awaited: serialization keeps the secret marks of Outputs.
    return { resources, invokes: mocks.invokes, outputs: await pulumi.runtime.serializeProperties("plan-outputs", outputs) };
  } finally {
    process.off("unhandledRejection", onRejection);
  }
}

