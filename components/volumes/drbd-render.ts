// Pure rendering for DRBD volumes: the resource file, the node that may format, and the change signature.
import type { Host, Site, Volume } from "../../src/inventory/model";

export class DrbdError extends Error {}

/** The hives that carry a replica, sorted by inventory name (node-id = position in this list). */
export function drbdHives(site: Site): Host[] {
  return site.hosts.filter((h) => h.isHive).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isDiskless(volume: Volume, host: Host): boolean {
  const listed = volume.drbd?.diskless ?? [];
  return listed.includes(host.name) || listed.includes(host.shortName) || host.vars.hive_no_mirrored_device === true;
}

function drbdOf(volume: Volume) {
  if (volume.kind !== "drbd" || volume.drbd === null) throw new DrbdError(`volume "${volume.name}" is not a DRBD volume`);
  if (volume.drbd.minor === null) throw new DrbdError(`volume "${volume.name}" has no DRBD minor allocated`);
  return { ...volume.drbd, minor: volume.drbd.minor };
}

/**
 * `/etc/drbd.d/<volume>.res`: every hive (sorted; `on` names are OS hostnames, which DRBD compares with
 * `uname -n`), port 7000+minor, quorum by majority with I/O errors when it is lost, diskless hives `disk none`,
 * a full mesh of connections. Auto-promote (DRBD 9's default) makes the node that mounts the device Primary.
 */
export function renderDrbdResource(site: Site, volume: Volume): string {
  const drbd = drbdOf(volume);
  const hives = drbdHives(site);
  if (hives.every((h) => isDiskless(volume, h))) throw new DrbdError(`volume "${volume.name}" is diskless on every hive`);
  const lines = [
    `# DRBD resource of volume ${volume.name}, written by hive.`,
    `resource ${volume.name} {`,
    "  options {",
    "    quorum majority;",
    "    on-no-quorum io-error;",
    "  }",
    "  disk {",
    "    disk-flushes;",
    "    md-flushes;",
    "    c-plan-ahead 1;",
    "    c-max-rate 1024000;",
    "    c-delay-target 1;",
    "    c-fill-target 1M;",
    "    rs-discard-granularity 1048576;",
    "  }",
  ];
  hives.forEach((h, i) => {
    lines.push(
      `  on ${h.shortName} {`,
      `    address ${h.privateIp}:${7000 + drbd.minor};`,
      `    node-id ${i};`,
      `    disk ${isDiskless(volume, h) ? "none" : `/dev/${drbd.vgname}/${volume.name}`};`,
      `    device minor ${drbd.minor};`,
      "    meta-disk internal;",
      "  }",
    );
  });
  if (hives.length > 1) {
    lines.push(
      "  connection-mesh {",
      `    hosts ${hives.map((h) => h.shortName).join(" ")};`,
      "    net {",
      "      max-buffers 16000;",
      "      max-epoch-size 16000;",
      "      sndbuf-size 1048576;",
      "    }",
      "  }",
    );
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** The one hive allowed to create the filesystem: the first hive if it has a disk, else the first hive with one. */
export function formatNode(site: Site, volume: Volume): Host {
  const hives = drbdHives(site);
  const first = hives.find((h) => h.name === site.firstHive);
  if (first && !isDiskless(volume, first)) return first;
  const other = hives.find((h) => !isDiskless(volume, h));
  if (!other) throw new DrbdError(`volume "${volume.name}" is diskless on every hive`);
  return other;
}

/**
 * What a replica was created with: size and the hive set (with diskless flags). The script stores it next to the
 * `.res` file on first creation and refuses to continue when it differs later (see drbd-volume.sh).
 */
export function drbdSignature(site: Site, volume: Volume): string {
  const drbd = drbdOf(volume);
  const hosts = drbdHives(site).map((h) => (isDiskless(volume, h) ? `${h.shortName}(diskless)` : h.shortName));
  return `minor=${drbd.minor} size=${drbd.size} fstype=${drbd.fstype} hosts=${hosts.join(",")}`;
}

export interface DrbdHostEnv {
  readonly [name: string]: string;
}

/** Environment of drbd-volume.sh on one hive. */
export function drbdScriptEnv(site: Site, volume: Volume, host: Host, noFormat: boolean): DrbdHostEnv {
  const drbd = drbdOf(volume);
  return {
    HIVE_VOLUME: volume.name,
    HIVE_MINOR: String(drbd.minor),
    HIVE_FSTYPE: drbd.fstype,
    HIVE_SIZE: drbd.size,
    HIVE_VG: drbd.vgname,
    HIVE_POOL: "drbdpool",
    HIVE_DISKLESS: isDiskless(volume, host) ? "1" : "0",
    HIVE_FORMAT: formatNode(site, volume).name === host.name ? "1" : "0",
    HIVE_NO_FORMAT: noFormat ? "1" : "0",
    HIVE_SIGNATURE: drbdSignature(site, volume),
    HIVE_RES: renderDrbdResource(site, volume),
  };
}
