// The `hive inventory --json` contract (SPEC §3.5): a plain JSON view of the site model.
import type { Site, Value } from "./model";
import { isSecretString } from "./templates";

/** Replaces every secret by "[secret]". */
function publicValue(v: Value): unknown {
  if (isSecretString(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(publicValue);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v as Record<string, Value>).map(([k, x]) => [k, publicValue(x)]));
  }
  return v;
}

/** The site as the stable JSON object of `hive inventory --json`; allocations not stored yet print as null. */
export function siteToJson(site: Site): object {
  const newPorts = site.newAllocations.ports;
  const newMinors = site.newAllocations.minors;
  return {
    name: site.name,
    stage: site.stage,
    provider: site.provider,
    hosts: site.hosts.map((h) => ({
      name: h.name,
      shortName: h.shortName,
      privateIp: h.privateIp,
      subnet: h.subnet,
      availabilityZone: h.availabilityZone,
      groups: [...h.groups],
      instanceType: h.instanceType,
      diskSize: h.diskSize,
      mirroredDiskSize: h.mirroredDiskSize,
    })),
    repository: site.repository,
    registry: site.registry,
    firstHive: site.firstHive,
    internalNetworks: {
      overlay: site.internalNetworks.overlay,
      ingress: site.internalNetworks.ingress,
      gwbridge: site.internalNetworks.gwbridge,
      docker0: site.internalNetworks.docker0,
      registry: site.internalNetworks.registry,
      zabbix: site.internalNetworks.zabbix,
    },
    firewall: { tcp: [...site.firewall.tcp], udp: [...site.firewall.udp] },
    services: site.services.map((s) => ({
      name: s.name,
      image: s.image.ref,
      build:
        s.image.build === null
          ? null
          : {
              from: s.image.build.from,
              roles: [...s.image.build.roles],
              standalone: s.image.build.standalone,
              dockerfile: s.image.build.dockerfile,
            },
      ports: s.ports.map((p) => ({
        target: p.target,
        published: !p.explicit && p.key in newPorts ? null : p.published,
        protocol: p.protocol,
        mode: p.mode,
      })),
      volumes: s.mounts.map((m) => ({ source: m.source, target: m.target, type: m.type, readonly: m.readonly })),
      replicas: s.replicas,
      mode: s.mode,
      endpointMode: s.endpointMode,
      labels: Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, publicValue(v)])),
      placement: publicValue(s.placement as unknown as Value),
    })),
    volumes: site.volumes.map((v) => {
      const unstored = v.name in newMinors;
      return {
        name: v.name,
        kind: v.kind,
        drbd:
          v.drbd === null
            ? null
            : {
                fstype: v.drbd.fstype,
                size: v.drbd.size,
                minor: unstored ? null : v.drbd.minor,
                port: unstored ? null : v.drbd.port,
                diskless: [...v.drbd.diskless],
              },
      };
    }),
    networks: site.networks.map((n) => ({ name: n.name, driver: n.driver, attachable: n.attachable, subnet: n.subnet })),
  };
}
