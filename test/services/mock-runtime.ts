// A Pulumi mock runtime that records every registered resource with its inputs, parent, provider and
// dependencies (the mock callbacks do not see dependencies, so the monitor's registerResource is wrapped).
import { createHash } from "node:crypto";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";

export interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  inputs: Record<string, unknown>;
  parent: string;
  provider: string;
  /** Names (last URN segment) of the resources it depends on. */
  deps: string[];
  ignoreChanges: string[];
}

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** What an image build command prints last on a real server: a digest (here from its name) and a platform. */
export function mockBuildOutput(name: string): string {
  return `HIVE_IMAGE_DIGEST=sha256:${createHash("sha256").update(name).digest("hex")}\nHIVE_IMAGE_PLATFORM=linux/amd64\n`;
}

export async function startMocks(stack: string): Promise<Map<string, Recorded>> {
  const records = new Map<string, Recorded>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const r = records.get(args.name);
        if (r) r.inputs = args.inputs;
        const built = args.type === "command:remote:Command" && args.name.endsWith("-build") ? { stdout: mockBuildOutput(args.name) } : {};
        return { id: `${args.name}-id`, state: { ...args.inputs, ...built } };
      },
      call(args) {
        return args.inputs;
      },
    },
    "hive",
    stack,
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, cb: (...a: unknown[]) => void): unknown;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const urn = `${req.getType()}::${req.getName()}`;
    records.set(req.getName(), {
      type: req.getType(),
      name: req.getName(),
      urn,
      inputs: {},
      parent: nameOf(req.getParent()),
      provider: req.getProvider() ? nameOf(req.getProvider().split("::").slice(0, -1).join("::")) : "",
      deps: req.getDependenciesList().map(nameOf).sort(),
      ignoreChanges: req.getIgnorechangesList(),
    });
    return original(req, cb);
  };
  return records;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProvider(): string;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
}

/** Waits until no resource has been registered for a while (the program's registrations are asynchronous). */
export async function settle(records: Map<string, Recorded>): Promise<void> {
  let last = -1;
  while (records.size !== last) {
    last = records.size;
    await new Promise((r) => setTimeout(r, 300));
  }
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Replaces the engine's secret envelopes in mock inputs by `{ secret: value }`. */
export function unwrapSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") return { secret: unwrapSecrets(o.value) };
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/** Every string anywhere in a value (to check that no secret leaked into plain text). */
export function strings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v !== null && typeof v === "object") return Object.values(v).flatMap(strings);
  return [];
}

/**
 * The workloads of a site under the mocks (named `e` unless given): its first three hosts as hives, the fourth
 * as the repository, the fixture roles unless given, registry password `regpw`, and `db_password` as the one secret.
 */
export async function deployTestWorkloads(
  site: import("../../src/inventory/model").Site,
  dbPassword: string,
  { name = "e", rolesDir = join(__dirname, "fixtures", "roles") }: { name?: string; rolesDir?: string } = {},
): Promise<void> {
  const { deployWorkloads } = await import("../../components/services/workloads");
  const conn = (ip: string) => ({ host: ip, user: "admin", privateKey: pulumi.secret("K") });
  deployWorkloads(name, {
    site,
    repository: conn("192.168.0.6"),
    hives: Object.fromEntries(site.hosts.slice(0, 3).map((h) => [h.name, conn(h.privateIp)])),
    registryPassword: pulumi.secret("regpw"),
    secrets: { db_password: pulumi.secret(dbPassword) },
    previousLedger: { ports: {}, minors: {} },
    ansibleVenv: "/opt/hive/ansible",
    projectRolesDir: rolesDir,
    sshKeyPath: "/run/hive/key",
  });
}
