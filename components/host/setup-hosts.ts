// setup-hosts for a whole site: a HostSetup per server, the swarm of the hives and the repository server.
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Site } from "../../src/inventory/model";
import type { HostConnection } from "./command";
import { HostSetup, type SiteCa } from "./host-setup";
import { SwarmCluster } from "../swarm/swarm-cluster";
import { RepositoryServer } from "../repository/repository-server";
import type { SecretValues } from "../services/values";
import { addonRoles, type AddonRole } from "./addon-role";
import { reportSecret } from "../secret-report";

export interface SetupHostsArgs {
  readonly site: Site;
  /** Connection of every server by inventory name (`Host.name`). */
  readonly connections: Readonly<Record<string, HostConnection>>;
  readonly ca: SiteCa;
  /** The site's registry password (`registry_password`, secret). */
  readonly registryPassword: pulumi.Input<string>;
  /** Zabbix database password; generated with @pulumi/random when not given. */
  readonly zabbixDbPassword?: pulumi.Input<string>;
  /** Text of the project's roles/addon/setup.sh, when present. */
  readonly addonScript?: string | null;
  /** The project's roles/ folder, where an Ansible role `addon` is applied to every server; default `<inventory>/../roles`. */
  readonly projectRolesDir?: string;
  /** The site's realised secrets, for the inventory the addon role sees. */
  readonly secrets?: SecretValues;
}

export interface SetupHostsResult {
  readonly hostSetups: Readonly<Record<string, HostSetup>>;
  readonly swarm: SwarmCluster;
  readonly repository: RepositoryServer;
  /** The project's addon role on each server (none without one). */
  readonly addonRoles: readonly AddonRole[];
}

/** Creates every setup-hosts resource of a site; all servers are set up in parallel. */
export function setupHosts(name: string, args: SetupHostsArgs, opts?: pulumi.ComponentResourceOptions): SetupHostsResult {
  const { site } = args;
  const connection = (host: string): HostConnection => {
    const c = args.connections[host];
    if (c === undefined) throw new Error(`setupHosts: no connection for server ${host}`);
    return c;
  };
  const hostSetups: Record<string, HostSetup> = {};
  for (const host of site.hosts) {
    hostSetups[host.name] = new HostSetup(
      `${name}-${host.shortName}`,
      { site, host, connection: connection(host.name), ca: args.ca, addonScript: args.addonScript },
      opts,
    );
  }
  const hostReady = Object.fromEntries(Object.entries(hostSetups).map(([h, s]) => [h, s.ready]));
  const swarm = new SwarmCluster(
    `${name}-swarm`,
    {
      site,
      connections: Object.fromEntries(site.hosts.filter((h) => h.isHive).map((h) => [h.name, connection(h.name)])),
      hostReady,
    },
    opts,
  );
  const zabbixDbPassword =
    args.zabbixDbPassword ?? reportSecret(new random.RandomPassword(`${name}-zabbix-db-password`, { length: 24, special: false }, opts).result);
  const repo = site.hosts.find((h) => h.isRepository);
  if (repo === undefined) throw new Error(`site ${site.name} (${site.stage}) has no repository server`);
  const repository = new RepositoryServer(
    `${name}-repository`,
    {
      site,
      connection: connection(repo.name),
      hostReady: hostReady[repo.name],
      registryPassword: args.registryPassword,
      zabbixDbPassword,
    },
    opts,
  );
  const addons = addonRoles(
    name,
    {
      site,
      projectRolesDir: args.projectRolesDir ?? join(site.inventoryDir, "..", "roles"),
      ansibleVenv: repository.ansibleVenv,
      repository: connection(repo.name),
      secrets: args.secrets ?? {},
      repositoryReady: [repository.ansible],
      hostReady,
    },
    opts,
  );
  return { hostSetups, swarm, repository, addonRoles: addons };
}
