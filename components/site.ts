// The top-level component of a stage. Its children follow hive-builder's phases, ordered by their data and
// dependencies: keys and CA, the site's secrets, the provider's host fleet, the host setup (every server,
// the swarm, the repository server), then the workloads (images, volumes, networks, services).
import * as pulumi from "@pulumi/pulumi";
import type { Allocations, SecretString, Site as SiteModel } from "../src/inventory/model";
import { Pki } from "./pki";
import { FleetKeys, FleetOptions, HostFleet, ServerEndpoint, SshConfigEntry, renderSshConfig, serverOutputs } from "./infra/fleet";
import { REGISTRY_PASSWORD, SiteSecrets } from "./secrets";
import type { HostConnection } from "./host/command";
import { setupHosts, type SetupHostsResult } from "./host/setup-hosts";
import { Workloads } from "./services/workloads";
import { toInput, type SecretValues } from "./services/values";
import { keyToRetire, type PreviousKeys } from "./infra/access";

export interface SiteOptions extends FleetOptions {
  /** Absolute path of the stage's context directory (`<project>/.hive/<stage>`), for vagrant. */
  readonly contextDir: string;
  readonly sshPrivateKeyPem?: pulumi.Input<string>;
  readonly caCertPem?: pulumi.Input<string>;
  readonly caKeyPem?: pulumi.Input<string>;
  readonly gcpProject?: string;
  /** Secret values by name (SecretSpec.name) to use instead of generated ones. */
  readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
  /** The allocation ledger stored by the previous update (empty on the first). */
  readonly previousLedger?: Allocations;
  /** The images swarm recorded for the services at the previous update (stack output `images`). */
  readonly previousImages?: Readonly<Record<string, string>>;
  /** The site keys stored by the previous update (stack outputs `sshPrivateKey`, `sshRetiredKey`). */
  readonly previousKeys?: PreviousKeys;
  /** Stack config `hive:noFormat`: never format DRBD volumes. */
  readonly noFormat?: boolean;
  /** Text of the project's `roles/addon/setup.sh`, run on every server after Docker. */
  readonly addonScript?: string | null;
}


export interface SiteArgs {
  site: SiteModel;
  options: SiteOptions;
}

/** A SecretString or plain string as a secret Output; unknown secret names are an error. */
export function resolveSecretString(value: SecretString | string, secrets: SecretValues = {}): pulumi.Output<string> {
  return pulumi.secret(pulumi.output(toInput(value, secrets)));
}

/** Inputs of the ssh_config renderer; connect addresses are resolved by the caller. */
export function sshConfigEntries(site: SiteModel, connectIps: Record<string, string>): SshConfigEntry[] {
  return site.hosts.map((h) => ({ name: h.name, shortName: h.shortName, hostName: connectIps[h.name], user: site.adminUser }));
}

export class Site extends pulumi.ComponentResource {
  public readonly pki: Pki;
  /** The key the site key replaced, which the servers no longer trust (secret; see `keyToRetire`); "" = none. */
  public readonly retiredSshKey: pulumi.Output<string>;
  public readonly fleet: HostFleet;
  public readonly servers: Record<string, ServerEndpoint>;
  /** ssh_config text with `SSH_IDENTITY_PLACEHOLDER` where the key file goes. */
  public readonly sshConfig: pulumi.Output<string>;
  public readonly firewall: { readonly tcp: readonly number[]; readonly udp: readonly number[]; readonly sshSources: readonly string[] };
  public readonly secrets: SiteSecrets;
  public readonly hosts: SetupHostsResult;
  public readonly workloads: Workloads;

  constructor(name: string, args: SiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:site:Site", name, {}, opts);
    const { site, options } = args;
    this.pki = new Pki(`${name}-pki`, { siteName: site.name, sshPrivateKeyPem: options.sshPrivateKeyPem, caCertPem: options.caCertPem, caKeyPem: options.caKeyPem }, { parent: this });
    this.retiredSshKey = pulumi.secret(this.pki.sshPrivateKeyPem.apply((key) => keyToRetire(key, options.previousKeys ?? {}) ?? ""));
    const keys = { sshPublicKeyOpenssh: this.pki.sshPublicKeyOpenssh, sshPrivateKeyPem: this.pki.sshPrivateKeyPem, retiredSshKey: this.retiredSshKey };
    const child = { parent: this };
    this.secrets = new SiteSecrets(`${name}-secrets`, { specs: site.secrets }, child);
    // Values the caller supplies win over generated ones.
    const secretValues = { ...this.secrets.values, ...options.secrets };
    const registryPassword = pulumi.secret(pulumi.output(secretValues[REGISTRY_PASSWORD.name]));
    this.fleet = createFleet(name, site, { ...options, secrets: secretValues }, keys, child);
    this.servers = this.fleet.servers;

    const names = Object.keys(this.servers);
    this.sshConfig = pulumi
      .all(names.map((n) => this.servers[n].connectIp))
      .apply((ips) => renderSshConfig(sshConfigEntries(site, Object.fromEntries(names.map((n, i) => [n, ips[i]])))));
    this.firewall = { tcp: site.firewall.tcp, udp: site.firewall.udp, sshSources: options.adminCidrs };

    const connections = Object.fromEntries(
      site.hosts.map((h) => [h.name, serverConnection(this.servers[h.name], this.pki.sshPrivateKeyPem)]),
    );
    this.hosts = setupHosts(
      name,
      {
        site,
        connections,
        ca: { certPem: this.pki.caCertPem, keyPem: this.pki.caPrivateKeyPem },
        registryPassword,
        addonScript: options.addonScript ?? null,
        secrets: secretValues,
      },
      child,
    );
    this.workloads = new Workloads(
      `${name}-workloads`,
      {
        site,
        repository: connections[site.repository],
        hives: Object.fromEntries(site.hosts.filter((h) => h.isHive).map((h) => [h.name, connections[h.name]])),
        registryPassword,
        secrets: secretValues,
        previousLedger: options.previousLedger ?? { ports: {}, minors: {} },
        previousImages: options.previousImages,
        ansibleVenv: this.hosts.repository.ansibleVenv,
        noFormat: options.noFormat,
        dependsOn: [...Object.values(this.hosts.hostSetups), this.hosts.swarm, this.hosts.repository, this.hosts.repository.ansible, ...this.hosts.addonRoles],
      },
      child,
    );

    this.registerOutputs({ servers: serverOutputs(this.servers), sshConfig: this.sshConfig, firewall: this.firewall });
  }
}

/**
 * How later layers reach a server: its connect address carries the server's readiness resources as
 * dependencies, so nothing connects before the fleet says the server accepts SSH as the admin user.
 */
export function serverConnection(server: ServerEndpoint, privateKey: pulumi.Output<string>): HostConnection {
  const host = pulumi.all([server.connectIp, ...server.ready.map((r) => r.urn)]).apply(([ip]) => ip);
  return { host, user: server.adminUser, privateKey };
}

function createFleet(name: string, site: SiteModel, options: SiteOptions, keys: FleetKeys, opts: pulumi.ComponentResourceOptions): HostFleet {
  // Each provider's module is loaded only when used: the cloud SDKs are large and slow to load.
  switch (site.provider) {
    case "aws": {
      const { AwsHostFleet } = require("./infra/aws") as typeof import("./infra/aws");
      return new AwsHostFleet(`${name}-aws`, { site, options, keys }, opts);
    }
    case "gcp": {
      const { GcpHostFleet } = require("./infra/gcp") as typeof import("./infra/gcp");
      return new GcpHostFleet(`${name}-gcp`, { site, options, keys, project: options.gcpProject }, opts);
    }
    case "azure": {
      const { AzureHostFleet } = require("./infra/azure") as typeof import("./infra/azure");
      return new AzureHostFleet(`${name}-azure`, { site, options, keys }, opts);
    }
    case "prepared": {
      const { PreparedHostFleet } = require("./infra/prepared") as typeof import("./infra/prepared");
      const rootPassword = site.spec.rootPassword === null ? undefined : resolveSecretString(site.spec.rootPassword, options.secrets);
      return new PreparedHostFleet(`${name}-prepared`, { site, keys, rootPassword }, opts);
    }
    case "vagrant": {
      const { VagrantHostFleet } = require("./infra/vagrant") as typeof import("./infra/vagrant");
      return new VagrantHostFleet(`${name}-vagrant`, { site, options, keys, contextDir: options.contextDir }, opts);
    }
    default:
      // The inventory layer refuses kickstart and openstack with its own message; this guards hand-built models.
      throw new Error(`stage ${site.stage}: provider ${site.provider} has no host fleet`);
  }
}
