// hive-builder's seven phases mapped onto the components of the program, and the selection of the
// resource URNs a phase command targets.

export const PHASES = [
  "build-infra",
  "setup-hosts",
  "build-images",
  "build-volumes",
  "build-networks",
  "deploy-services",
  "initialize-services",
] as const;
export type Phase = (typeof PHASES)[number];

/**
 * The component types that make up each phase (its *units*; `-l` names units). A resource belongs to a
 * phase when one of its ancestors (or itself) is such a unit. Components that hold units of several phases
 * (the Site, Workloads) and what lies outside every unit (secrets, providers) belong to no phase: they are
 * the *support* every phase needs. The allocation ledger is deploy-services' own: nothing depends on it (it
 * only feeds the stack output), so as support no phase would ever create it.
 */
const PHASE_UNITS: Record<Phase, (type: string) => boolean> = {
  "build-infra": (t) => t.startsWith("hive:infra:") || t.startsWith("hive:pki:"),
  "setup-hosts": (t) => t.startsWith("hive:host:") || t.startsWith("hive:swarm:") || t.startsWith("hive:repository:"),
  "build-images": (t) => t.startsWith("hive:images:"),
  "build-volumes": (t) => t.startsWith("hive:volumes:"),
  "build-networks": (t) => t.startsWith("hive:networks:"),
  "deploy-services": (t) => t === "hive:services:SwarmService" || t === "hive:services:RepositoryFile" || t === "hive:services:AllocationLedger",
  "initialize-services": (t) => t === "hive:services:ServiceInit",
};

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The phase a resource belongs to and the depth of its unit in its type chain; null for support. */
export function phaseOf(typeChain: readonly string[]): { phase: Phase; depth: number } | null {
  for (let depth = 0; depth < typeChain.length; depth++) {
    for (const phase of PHASES) if (PHASE_UNITS[phase](typeChain[depth])) return { phase, depth };
  }
  return null;
}

/** Phases whose `-l` limits apply, and to what the names refer. */
export const LIMITABLE: Partial<Record<Phase, string>> = {
  "build-images": "images (service names)",
  "build-volumes": "volumes",
  "deploy-services": "services",
  "initialize-services": "services",
  "setup-hosts": "servers",
};

export interface ParsedUrn {
  readonly urn: string;
  /** Types from the outermost ancestor to the resource itself. */
  readonly typeChain: readonly string[];
  readonly name: string;
}

/** Splits `urn:pulumi:<stack>::<project>::<parent$…$type>::<name>`. */
export function parseUrn(urn: string): ParsedUrn {
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) {
    throw new Error(`not a Pulumi URN: ${urn}`);
  }
  const qualifiedType = parts[2];
  const name = parts.slice(3).join("::");
  return { urn, typeChain: qualifiedType.split("$"), name };
}

/** Builds the URN the engine gives a resource with this type chain and name. */
export function makeUrn(stack: string, project: string, typeChain: readonly string[], name: string): string {
  return `urn:pulumi:${stack}::${project}::${typeChain.join("$")}::${name}`;
}

export function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

/**
 * The resources of a phase: every resource in the phase's units, narrowed by `limit` (names of services,
 * images, volumes or servers) when given. A limit name matches a unit named exactly so or ending in
 * `-<name>`.
 */
export function selectTargets(urns: readonly string[], phase: Phase, limit: readonly string[] = []): string[] {
  const parsed = urns.map(parseUrn);
  // Names by type chain, so the owner of a resource is found from its own name's prefixes, not by a scan.
  const namesByChain = new Map<string, Set<string>>();
  if (limit.length > 0) {
    for (const p of parsed) {
      const chain = p.typeChain.join("$");
      const names = namesByChain.get(chain);
      if (names === undefined) namesByChain.set(chain, new Set([p.name]));
      else names.add(p.name);
    }
  }
  const selected: string[] = [];
  parsed.forEach((p, i) => {
    const owner = phaseOf(p.typeChain);
    if (owner === null || owner.phase !== phase) return;
    if (limit.length > 0 && !limitMatches(namesByChain, p, owner.depth, limit)) return;
    selected.push(urns[i]);
  });
  return selected.sort();
}

/** A resource the program declares, with the URNs it needs first: its dependencies and its parent. */
export interface PlannedResource {
  readonly urn: string;
  readonly dependsOn: readonly string[];
}

export interface PhaseTargets {
  /** The phase's own resources (`selectTargets`). */
  readonly own: string[];
  /** What the targeted update is limited to: `own` and the support it needs. */
  readonly targets: string[];
  /** Resources of other phases that targets depend on and that do not exist yet (run those phases first). */
  readonly missing: { readonly urn: string; readonly phase: Phase | null; readonly neededBy: string }[];
}

/**
 * The `--target` list of a phase command: the phase's resources (`selectTargets`) plus the support
 * resources they need (their parents, the site's secrets, the docker providers…), transitively, whose own
 * dependencies exist, since the engine refuses a targeted resource whose parent or dependency is neither targeted nor in
 * the state. Resources of other phases are never added: when the phase needs one that does not exist yet,
 * it is reported in `missing` instead. The stack itself is never targeted.
 */
export function phaseTargets(planned: readonly PlannedResource[], stateUrns: readonly string[], phase: Phase, limit: readonly string[] = []): PhaseTargets {
  const inState = new Set(stateUrns);
  const needs = new Map(planned.map((r) => [r.urn, r.dependsOn]));
  const all = [...new Set([...stateUrns, ...planned.map((r) => r.urn)])];
  const own = selectTargets(all, phase, limit);
  const chosen = new Set(own);
  const present = (urn: string) => inState.has(urn) || chosen.has(urn);
  const isSupport = (urn: string) => {
    const chain = parseUrn(urn).typeChain;
    return chain.at(-1) !== STACK_TYPE && phaseOf(chain) === null;
  };
  // Only the support the phase's resources need (their parents, dependencies and providers, transitively):
  // anything more could need what another phase has not built yet.
  // The engine configures every provider the program registers, targeted or not, so each provider and what
  // it needs must be there too.
  const providers = all.filter((urn) => isSupport(urn) && parseUrn(urn).typeChain.at(-1)?.startsWith("pulumi:providers:"));
  const needed = new Set<string>(providers);
  for (const queue = [...own, ...providers]; queue.length > 0; ) {
    for (const dep of needs.get(queue.pop() as string) ?? []) {
      if (!needed.has(dep) && !chosen.has(dep) && isSupport(dep)) {
        needed.add(dep);
        queue.push(dep);
      }
    }
  }
  const support = [...needed].sort();
  // Support resources join once what they need is there; one may need another, so repeat to a fixpoint.
  for (let grew = true; grew; ) {
    grew = false;
    for (const urn of support) {
      if (!chosen.has(urn) && (needs.get(urn) ?? []).every(present)) {
        chosen.add(urn);
        grew = true;
      }
    }
  }
  const missing: PhaseTargets["missing"] = [];
  // A support resource that could not join is no answer: report what it waits for, down to another phase's.
  const seen = new Set<string>();
  const report = (dep: string, neededBy: string): void => {
    if (present(dep) || seen.has(dep)) return;
    seen.add(dep);
    if (isSupport(dep) && (needs.get(dep) ?? []).some((d) => !present(d))) {
      for (const d of needs.get(dep) ?? []) report(d, dep);
      return;
    }
    missing.push({ urn: dep, phase: phaseOf(parseUrn(dep).typeChain)?.phase ?? null, neededBy });
  };
  // A provider that cannot join stops the update too: the engine configures it regardless of the targets.
  for (const urn of [...chosen, ...providers.filter((p) => !chosen.has(p))].sort()) {
    for (const dep of needs.get(urn) ?? []) report(dep, urn);
  }
  return { own, targets: [...chosen].sort(), missing };
}

/**
 * Whether the phase component that contains this resource (the ancestor at `depth`) is one of the
 * limited names. The ancestor's own name is found from the URN of the resource with that exact type chain.
 */
function limitMatches(namesByChain: ReadonlyMap<string, ReadonlySet<string>>, parsed: ParsedUrn, depth: number, limit: readonly string[]): boolean {
  const candidates = namesByChain.get(parsed.typeChain.slice(0, depth + 1).join("$"));
  let owner = depth === parsed.typeChain.length - 1 ? parsed.name : "";
  // Children are named `<parent>-<suffix>`: the closest (longest) name prefix that is a unit owns it, so
  // `db-admin-x` belongs to `db-admin`, not to `db`.
  if (owner === "" && candidates !== undefined) {
    for (let end = parsed.name.length; end > 0; end = parsed.name.lastIndexOf("-", end - 1)) {
      const prefix = parsed.name.slice(0, end);
      if (candidates.has(prefix)) {
        owner = prefix;
        break;
      }
    }
  }
  return owner !== "" && limit.some((l) => owner === l || owner.endsWith(`-${l}`));
}

