// Stage 6 of loading an inventory: the site model. Volumes are merged from the services' mounts, ports and
// DRBD minors allocated against the stored ledger, and everything becomes one frozen Site.
import { AllocationError, allocate, EMPTY_ALLOCATIONS, newEntries, type AllocationRequest } from "./allocate";
import type { ProblemList } from "./errors";
import type { Allocations, InternalNetworks, Site, SourcePos, Stage, Volume } from "./model";
import type { HiveDefinition } from "./load-hive";
import type { HostsStage } from "./load-hosts";
import type { ServicesStage } from "./load-services";
import { firewallPorts } from "./ports";
import type { VolumeUse } from "./services";
import type { YamlFile } from "./yamlfile";

export interface ModelArgs {
  readonly dir: string;
  readonly stage: Stage;
  readonly hiveFile: YamlFile;
  readonly hive: HiveDefinition;
  readonly hosts: HostsStage;
  readonly services: ServicesStage;
  readonly internal: InternalNetworks;
  readonly previous?: Allocations;
}

export function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

export function buildSite(a: ModelArgs, problems: ProblemList): Site {
  const { dir, stage, hiveFile, internal } = a;
  const { name } = a.hive;
  const { spec, firstHive } = a.hive.derived;
  const { engine, hosts, siteVars, adminUser, rootPassword, repository, registry } = a.hosts;
  const { networks, services, serviceFileOf, uses, allPorts } = a.services;
  const opts = { previous: a.previous };
  // 7. Volumes.
  const volumeMap = new Map<string, { first: VolumeUse; def: VolumeUse | null; services: Set<string> }>();
  for (const u of uses) {
    const v = volumeMap.get(u.name) ?? { first: u, def: null, services: new Set<string>() };
    v.services.add(u.service);
    if (u.kind !== "plain") {
      if (v.def === null) v.def = u;
      else if (JSON.stringify({ ...v.def, service: "", path: [], pos: null }) !== JSON.stringify({ ...u, service: "", path: [], pos: null })) {
        problems.add(u.pos, `volume ${u.name} is defined differently in services ${v.def.service} and ${u.service}; the definitions must be identical`);
      }
    }
    volumeMap.set(u.name, v);
  }

  // 8. Allocations.
  const requests: AllocationRequest[] = [];
  for (const s of services) for (const p of s.ports) if (!p.explicit) requests.push({ kind: "port", key: p.key });
  for (const s of services) for (const p of s.ports) if (p.explicit && p.published !== null) requests.push({ kind: "port", key: p.key, explicit: p.published });
  const drbdVolumes = [...volumeMap.values()].filter((v) => v.def?.kind === "drbd");
  for (const v of drbdVolumes) requests.push({ kind: "minor", volume: v.first.name, explicit: v.def!.deviceId });
  const previous = opts.previous ?? EMPTY_ALLOCATIONS;
  let allocations = previous;
  try {
    allocations = allocate(previous, requests);
  } catch (err) {
    if (!(err instanceof AllocationError)) throw err;
    const r = err.request;
    let pos: SourcePos = hiveFile.pos([]);
    if (r.kind === "minor") pos = volumeMap.get(r.volume)?.def?.pos ?? pos;
    else {
      const svc = services.find((s) => s.ports.some((p) => p.key === r.key));
      if (svc) pos = serviceFileOf.get(svc.name)!.keyPos(["services", svc.name, "ports"]);
    }
    problems.add(pos, err.message);
  }
  problems.throwIfAny();

  const finalServices = services.map((s) => ({
    ...s,
    ports: s.ports.map((p) => (p.explicit ? p : { ...p, published: allocations.ports[p.key] ?? null })),
  }));
  const volumes: Volume[] = [...volumeMap.values()].map(({ first, def, services: svc }) => {
    const minor = def?.kind === "drbd" ? allocations.minors[first.name] ?? null : null;
    return {
      name: first.name,
      kind: def?.kind ?? "plain",
      drbd: def?.kind === "drbd" && def.drbd ? { ...def.drbd, minor, port: minor === null ? null : 7000 + minor } : null,
      driver: def?.driver ?? null,
      driverOpts: def?.driverOpts ?? {},
      nfs: def?.nfs ?? null,
      services: [...svc].sort(),
      pos: (def ?? first).pos,
    };
  });

  return {
    name,
    stage,
    provider: spec.provider,
    spec: { ...spec, rootPassword },
    hosts,
    repository,
    registry,
    firstHive,
    adminUser,
    internalNetworks: internal,
    firewall: firewallPorts(allPorts),
    services: finalServices,
    volumes,
    networks,
    secrets: [...engine.secrets.values()].sort((a, b) => a.name.localeCompare(b.name)),
    vars: siteVars,
    allocations,
    newAllocations: newEntries(previous, allocations),
    inventoryDir: dir,
  };
}
