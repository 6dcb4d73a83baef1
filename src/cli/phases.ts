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
 * Component type tokens (`hive:<module>:<Type>`) whose subtrees make up each phase. A resource belongs
 * to a phase when one of its ancestors (or itself) has a matching type.
 */
const PHASE_TYPES: Record<Phase, (type: string) => boolean> = {
  "build-infra": (t) => t.startsWith("hive:infra:") || t.startsWith("hive:pki:"),
  "setup-hosts": (t) => t.startsWith("hive:host:") || t.startsWith("hive:swarm:") || t.startsWith("hive:repository:"),
  "build-images": (t) => t.startsWith("hive:images:"),
  "build-volumes": (t) => t.startsWith("hive:volumes:"),
  "build-networks": (t) => t.startsWith("hive:networks:"),
  "deploy-services": (t) => t.startsWith("hive:services:") && t !== "hive:services:ServiceInit",
  "initialize-services": (t) => t === "hive:services:ServiceInit",
};

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
 * The URNs a phase command passes as `target`: every resource in the phase's component subtrees,
 * narrowed by `limit` (names of services, images, volumes or servers) when given. A limit name matches
 * a phase component named exactly so or ending in `-<name>`. Resources outside the phase are never
 * targeted, so an update limited this way cannot delete anything outside it.
 */
export function selectTargets(urns: readonly string[], phase: Phase, limit: readonly string[] = []): string[] {
  const inPhase = PHASE_TYPES[phase];
  const selected: string[] = [];
  for (const urn of urns) {
    const parsed = parseUrn(urn);
    if (parsed.typeChain[parsed.typeChain.length - 1] === "pulumi:pulumi:Stack") continue;
    const depth = parsed.typeChain.findIndex(inPhase);
    if (depth < 0) continue;
    if (limit.length > 0 && !limitMatches(urns, parsed, depth, limit)) continue;
    selected.push(urn);
  }
  return selected.sort();
}

/**
 * Whether the phase component that contains this resource (the ancestor at `depth`) is one of the
 * limited names. The ancestor's own name is found from the URN of the resource with that exact type chain.
 */
function limitMatches(urns: readonly string[], parsed: ParsedUrn, depth: number, limit: readonly string[]): boolean {
  const ancestorChain = parsed.typeChain.slice(0, depth + 1).join("$");
  let owner = depth === parsed.typeChain.length - 1 ? parsed.name : "";
  for (const urn of urns) {
    const other = parseUrn(urn);
    // The closest (longest-named) candidate owns it: `db-admin-x` belongs to `db-admin`, not to `db`.
    if (other.typeChain.join("$") === ancestorChain && isAncestorName(other.name, parsed.name) && other.name.length > owner.length) {
      owner = other.name;
    }
  }
  return owner !== "" && limit.some((l) => owner === l || owner.endsWith(`-${l}`));
}

/** Children are named from their parent's name (`<parent>-<suffix>`), so a parent's name prefixes theirs. */
function isAncestorName(ancestor: string, name: string): boolean {
  return name === ancestor || name.startsWith(`${ancestor}-`);
}
