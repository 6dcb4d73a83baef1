// Everything that runs on top of a converged swarm: images, volumes, networks, services, initialisation and the
// repository-side files of each service. The Site component calls `deployWorkloads` once.
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { Allocations, Site } from "../../src/inventory/model";
import { dockerProviderArgs, writePrivateKeyFile } from "../networks/docker-provider";
import { SwarmNetworks } from "../networks/networks";
import { ImageBuild, imagePlan, projectLibrary, remoteLibraryPath, remoteRolePath, RoleUploads, type ImagePlan } from "../images/image-build";
import { findRoles, missingRolesMessage, type FoundRoles, type RoleDir } from "../images/image-hash";
import { DrbdVolume, DriverVolume, nfsVolumeError } from "../volumes/volumes";
import { AllocationLedger } from "./ledger";
import type { HostConnection } from "./remote-script";
import { BACKUP_DIR, BACKUP_SECRETS_DIR, backupSecretNames, renderBackupScript, renderMonitorRules, RSYSLOG_SERVICES_DIR } from "./repository-files";
import { extRepositories, recordedImage } from "./service-args";
import { RepositoryFile, ServiceInit } from "./service-init";
import { SwarmService } from "./swarm-service";
import type { SecretValues } from "./values";

export interface WorkloadsArgs {
  readonly site: Site;
  /** SSH to the repository server (admin user; its key a secret). */
  readonly repository: pulumi.Input<HostConnection>;
  /** SSH to every hive, by host inventory name (`s-hive0.pdns`). */
  readonly hives: { readonly [hostName: string]: pulumi.Input<HostConnection> };
  /** Password of registry user `hive` (secret, the host layer's `@pulumi/random` password). */
  readonly registryPassword: pulumi.Input<string>;
  /** Realised `lookup('password', …)` secrets by SecretSpec name. */
  readonly secrets: SecretValues;
  /** Ledger read by `readPreviousStack` before the site was derived. */
  readonly previousLedger: Allocations;
  /** The images swarm recorded for the services at the previous update (`readPreviousStack().images`). */
  readonly previousImages?: Readonly<Record<string, string>>;
  /** Virtualenv with ansible-playbook on the repository server (host layer). */
  readonly ansibleVenv: string;
  /** The project's roles folder; default `<inventory>/../roles`. */
  readonly projectRolesDir?: string;
  /** Stack config `hive:noFormat`. */
  readonly noFormat?: boolean;
  /** Local path of the SSH private key for the docker providers; default: written from the first hive's key. */
  readonly sshKeyPath?: pulumi.Input<string>;
  /** Host setup, swarm cluster and registry: nothing here starts before them. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class Workloads extends pulumi.ComponentResource {
  /** The ledger to export as the stack output `allocations`. */
  public readonly allocations: pulumi.Output<Allocations>;
  /** Image reference each service runs, by service name. */
  public readonly images: { readonly [service: string]: pulumi.Input<string> };
  /** The image each service's swarm spec holds after this update, to export as the stack output `images`. */
  public readonly recordedImages: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Every resource of the workloads waits for what they run on, nested ones included (a component's
    // dependsOn does not reach its children); the docker providers do not, see dockerProviderArgs.
    super("hive:services:Workloads", name, {}, pulumi.mergeOptions(opts, { transformations: [waitFor(args.dependsOn ?? [])] }));
    const site = args.site;
    const after = args.dependsOn ?? [];
    const child = { parent: this };

    this.allocations = new AllocationLedger(`${name}-ledger`, { previous: args.previousLedger, current: site.allocations }, child).allocations;

    // Docker providers, one per hive, over SSH.
    const hives = site.hosts.filter((h) => h.isHive);
    const keyPath = args.sshKeyPath ?? writePrivateKeyFile(pulumi.output(args.hives[site.firstHive]).apply((c) => c.privateKey));
    const providers: { [host: string]: docker.Provider } = {};
    for (const h of hives) {
      const conn = args.hives[h.name];
      if (conn === undefined) throw new pulumi.ResourceError(`no SSH connection given for hive ${h.name}`, this);
      const c = pulumi.output(conn);
      providers[h.name] = new docker.Provider(
        `${name}-docker-${h.shortName}`,
        // The connection object is secret as a whole (it holds the key); host and user are not.
        dockerProviderArgs(pulumi.unsecret(c.host), pulumi.unsecret(c.user), keyPath),
        // No dependency on the host setup: the resources that use the provider have it (see dockerProviderArgs).
        child,
      );
    }
    const manager = providers[site.firstHive];

    // Roles: every role an image build or an initialisation uses, uploaded once per content.
    const rolesDir = args.projectRolesDir ?? join(site.inventoryDir, "..", "roles");
    const plans = new Map<string, ImagePlan>();
    for (const s of site.services) {
      const plan = imagePlan(s, site, rolesDir);
      if (plan) plans.set(s.name, plan);
    }
    const initRoles = new Map<string, FoundRoles>(
      site.services.filter((s) => s.initializeRoles.length > 0).map((s) => [s.name, findRoles(s.initializeRoles, rolesDir)]),
    );
    const allRoles = [...[...plans.values()].flatMap((p) => p.roles), ...[...initRoles.values()].flatMap((r) => r.roles)];
    const lib = allRoles.length > 0 ? projectLibrary(rolesDir) : null;
    const library = lib !== null ? remoteLibraryPath(lib) : undefined;
    const uploads =
      allRoles.length > 0 ? new RoleUploads(`${name}-roles`, { roles: allRoles, library: lib, connection: args.repository, dependsOn: after }, child) : null;
    const roleDeps = (roles: readonly RoleDir[]): pulumi.Resource[] =>
      uploads ? [...roles.map((r) => uploads.uploads[remoteRolePath(r)]), ...(uploads.library ? [uploads.library] : [])] : [];

    // Images.
    const images: { [service: string]: pulumi.Input<string> } = {};
    const builds: { [service: string]: ImageBuild } = {};
    for (const s of site.services) {
      const plan = plans.get(s.name);
      if (!plan) {
        images[s.name] = recordedImage(s.image.ref, args.previousImages?.[s.name]);
        continue;
      }
      builds[s.name] = new ImageBuild(
        `${name}-image-${s.name}`,
        {
          service: s,
          plan,
          settings: { site, ansibleVenv: args.ansibleVenv, ...(library !== undefined ? { library } : {}) },
          connection: args.repository,
          registryPassword: args.registryPassword,
          secrets: args.secrets,
          dependsOn: [...after, ...roleDeps(plan.roles)],
        },
        child,
      );
      images[s.name] = builds[s.name].imageRef;
    }
    this.images = images;

    // Volumes.
    const volumeDeps: { [volume: string]: pulumi.Resource[] } = {};
    for (const v of site.volumes) {
      if (v.kind === "drbd") {
        volumeDeps[v.name] = new DrbdVolume(
          `${name}-volume-${v.name}`,
          { site, volume: v, connections: args.hives, providers, noFormat: args.noFormat ?? false },
          { ...child, dependsOn: after },
        ).ready;
      } else if (v.kind === "driver") {
        volumeDeps[v.name] = new DriverVolume(`${name}-volume-${v.name}`, { site, volume: v, providers }, { ...child, dependsOn: after }).ready;
      } else if (v.kind === "nfs") {
        throw new pulumi.ResourceError(nfsVolumeError(v), this);
      }
    }

    // Networks.
    const networks = new SwarmNetworks(`${name}-networks`, { networks: site.networks, provider: manager }, { ...child, dependsOn: after });

    // Services, then their initialisation and repository files.
    const ext = extRepositories(site.vars, args.secrets);
    const swarmServices: { [service: string]: SwarmService } = {};
    for (const s of site.services) {
      const deps: pulumi.Input<pulumi.Resource>[] = [...after, ...networks.resources];
      if (builds[s.name]) deps.push(builds[s.name]);
      for (const m of s.mounts) if (m.type === "volume" && volumeDeps[m.source]) deps.push(...volumeDeps[m.source]);
      const svc = (swarmServices[s.name] = new SwarmService(
        `${name}-service-${s.name}`,
        {
          service: s,
          provider: manager,
          dependsOn: deps,
          context: {
            site,
            image: images[s.name],
            ...(builds[s.name] ? { platform: builds[s.name].platform } : {}),
            networkIds: networks.ids,
            secrets: args.secrets,
            registryPassword: args.registryPassword,
            extRepositories: ext,
          },
        },
        child,
      ));
      const init = initRoles.get(s.name);
      if (init) {
        const roles = init.roles;
        new ServiceInit(
          `${name}-init-${s.name}`,
          {
            service: s,
            site,
            roles,
            missingRoles: init.missing.length > 0 ? missingRolesMessage(init.missing, rolesDir) : null,
            ansibleVenv: args.ansibleVenv,
            ...(library !== undefined ? { library } : {}),
            secrets: args.secrets,
            // The inventory's reference, not the digest swarm pinned after the first deploy: the pin alone
            // must not run the initialisation again.
            image: builds[s.name] ? builds[s.name].imageRef : s.image.ref,
            connection: args.repository,
            dependsOn: [svc.service, ...roleDeps(roles)],
          },
          child,
        );
      }
      const backup = renderBackupScript(s, site);
      if (backup !== null) {
        new RepositoryFile(
          `${name}-backup-${s.name}`,
          { connection: args.repository, path: `${BACKUP_DIR}/${s.name}`, content: backup, dependsOn: after },
          child,
        );
        // The values of the secrets its commands use, read by the backup functions on the server.
        for (const secret of backupSecretNames(s)) {
          const value = args.secrets[secret];
          if (value === undefined) throw new pulumi.ResourceError(`service ${s.name}: backup secret "${secret}" is not among the site's secrets`, this);
          new RepositoryFile(
            `${name}-backup-${s.name}-secret-${secret}`,
            {
              connection: args.repository,
              path: `${BACKUP_SECRETS_DIR}/${s.name}/${secret}`,
              secretContent: value,
              mode: "0600",
              // hive-backup.service runs as the admin user, who reads it.
              owner: site.adminUser,
              dependsOn: after,
            },
            child,
          );
        }
      }
      const rules = renderMonitorRules(s);
      if (rules !== null) {
        new RepositoryFile(
          `${name}-monitor-${s.name}`,
          { connection: args.repository, path: `${RSYSLOG_SERVICES_DIR}/${s.name}.conf`, content: rules, restartUnit: "rsyslog", dependsOn: after },
          child,
        );
      }
    }
    this.recordedImages = pulumi.all(Object.fromEntries(Object.entries(swarmServices).map(([svc, x]) => [svc, x.image])));
    this.registerOutputs({ allocations: this.allocations, recordedImages: this.recordedImages });
  }
}

/** Creates the workloads of a site; the caller exports `workloads.allocations` as the stack output `allocations`. */
export function deployWorkloads(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions): Workloads {
  return new Workloads(name, args, opts);
}

/** A transformation that makes each custom resource but a provider depend on `after`. */
function waitFor(after: readonly pulumi.Input<pulumi.Resource>[]): pulumi.ResourceTransformation {
  return (a) => {
    if (after.length === 0 || !(a.resource instanceof pulumi.CustomResource) || a.type.startsWith("pulumi:providers:")) return undefined;
    return { props: a.props, opts: pulumi.mergeOptions(a.opts, { dependsOn: [...after] }) };
  };
}
