// Volumes of the site: DRBD-replicated (DrbdVolume), driver volumes (DriverVolume), plain (nothing to create).
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import type { Host, Site, Volume } from "../../src/inventory/model";
import { readScript, remoteScript, type HostConnection } from "../services/remote-script";
import { drbdHives, drbdScriptEnv } from "./drbd-render";

/** Per-hive access: SSH connection (for remote commands) and docker provider, keyed by host inventory name. */
export interface HiveAccess {
  readonly connections: { readonly [hostName: string]: pulumi.Input<HostConnection> };
  readonly providers: { readonly [hostName: string]: docker.Provider };
}

/** Command texts of drbd-volume.sh on one hive: converge and delete. Pure. */
export function drbdCommands(site: Site, volume: Volume, host: Host, noFormat: boolean): { create: string; delete: string } {
  const script = readScript("volumes", "drbd-volume.sh");
  const env = drbdScriptEnv(site, volume, host, noFormat);
  return {
    create: remoteScript(script, env, { sudo: true }),
    delete: remoteScript(script, { HIVE_VOLUME: env.HIVE_VOLUME, HIVE_MINOR: env.HIVE_MINOR, HIVE_VG: env.HIVE_VG, HIVE_ACTION: "delete" }, { sudo: true }),
  };
}

export function drbdVolumeDriverOpts(volume: Volume): Record<string, string> {
  if (volume.drbd === null || volume.drbd.minor === null) throw new Error(`volume "${volume.name}" has no DRBD minor`);
  return { type: volume.drbd.fstype, device: `/dev/drbd${volume.drbd.minor}` };
}

export interface DrbdVolumeArgs extends HiveAccess {
  readonly site: Site;
  readonly volume: Volume;
  /** Stack config `hive:noFormat`: never create a filesystem (rebuilding a lost node). */
  readonly noFormat: boolean;
}

/**
 * One replicated volume: on every hive the DRBD resource (drbd-volume.sh) and a local docker volume on the DRBD
 * device. The command has no `triggers`: a changed input (new .res, size…) *updates* it, which reruns the
 * idempotent script; a trigger would replace it, and replacing runs the delete command, taking the resource down.
 * A changed size or hive set is refused by the script with the safe manual path (see drbd-volume.sh).
 * Destroy takes the resource down and removes its configuration but keeps the logical volume and its data.
 */
export class DrbdVolume extends pulumi.ComponentResource {
  /** Everything a service mounting this volume must wait for. */
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: DrbdVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:volumes:DrbdVolume", name, {}, opts);
    const ready: pulumi.Resource[] = [];
    for (const host of drbdHives(args.site)) {
      const texts = drbdCommands(args.site, args.volume, host, args.noFormat);
      const connection = args.connections[host.name];
      const provider = args.providers[host.name];
      if (connection === undefined || provider === undefined) {
        throw new pulumi.ResourceError(`no connection or docker provider for hive ${host.name}`, this);
      }
      const cmd = new command.remote.Command(
        `${name}-${host.shortName}`,
        { connection, create: texts.create, delete: texts.delete },
        // A changed connection replaces the command; deleting first keeps the delete of the old one from
        // undoing the create of the new one (the delete leaves a resource that is in use untouched).
        { parent: this, deleteBeforeReplace: true },
      );
      const vol = new docker.Volume(
        `${name}-${host.shortName}-volume`,
        { name: args.volume.name, driver: "local", driverOpts: drbdVolumeDriverOpts(args.volume) },
        { parent: this, provider, dependsOn: [cmd] },
      );
      ready.push(cmd, vol);
    }
    this.ready = ready;
    this.registerOutputs({});
  }
}

export interface DriverVolumeArgs {
  readonly site: Site;
  readonly volume: Volume;
  readonly providers: HiveAccess["providers"];
}

/** A volume with `driver`/`driver_opts` (e.g. an existing NFS export through `driver: local`), on every hive. */
export class DriverVolume extends pulumi.ComponentResource {
  public readonly ready: pulumi.Resource[];

  constructor(name: string, args: DriverVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:volumes:DriverVolume", name, {}, opts);
    this.ready = drbdHives(args.site).map((host) => {
      const provider = args.providers[host.name];
      if (provider === undefined) throw new pulumi.ResourceError(`no docker provider for hive ${host.name}`, this);
      return new docker.Volume(
        `${name}-${host.shortName}`,
        { name: args.volume.name, driver: args.volume.driver ?? "local", driverOpts: { ...args.volume.driverOpts } },
        { parent: this, provider },
      );
    });
    this.registerOutputs({});
  }
}

/**
 * hive-builder's managed NFS (`nfs:` → EFS / Filestore / Azure Files, created with the cloud network) belongs to
 * the infrastructure layer and does not exist yet; an `nfs` volume is refused with the existing alternative.
 */
export function nfsVolumeError(volume: Volume): string {
  return (
    `volume "${volume.name}" uses nfs:, whose managed NFS share (EFS, Filestore, Azure Files) is not supported yet; ` +
    "mount an existing NFS export with driver: local and driver_opts {type: nfs, device: \":/path\", o: \"addr=<server>,rw\"}"
  );
}
