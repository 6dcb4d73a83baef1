// Prepared servers (SPEC §5.4): nothing to create in a cloud. Each server gets one access command
// (components/infra/access.ts) that makes the site key log in as the admin user — with the key itself,
// the key it replaces, or once as root with `root_password` — before any step connects.
import * as pulumi from "@pulumi/pulumi";
import type { Site } from "../../src/inventory/model";
import { FleetKeys, HostFleet, ServerEndpoint, serverOutputs } from "./fleet";
import { adminAccess } from "./access";

export interface PreparedHostFleetArgs {
  site: Site;
  keys: FleetKeys;
  /** Root password of the servers (secret); absent = the admin user already has the site key. */
  rootPassword?: pulumi.Input<string>;
}

export class PreparedHostFleet extends pulumi.ComponentResource implements HostFleet {
  public readonly servers: Record<string, ServerEndpoint> = {};

  constructor(name: string, args: PreparedHostFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:infra:PreparedHostFleet", name, {}, opts);
    const { site } = args;
    for (const host of site.hosts) {
      const access = adminAccess(
        `${name}-${host.shortName}-access`,
        { host: host.privateIp, adminUser: site.adminUser, siteKey: args.keys.sshPrivateKeyPem, retiredKey: args.keys.retiredSshKey, rootPassword: args.rootPassword },
        { parent: this },
      );
      const ip = pulumi.output(host.privateIp);
      this.servers[host.name] = { name: host.name, publicIp: ip, privateIp: ip, connectIp: ip, adminUser: site.adminUser, ready: [access] };
    }
    this.registerOutputs({ servers: serverOutputs(this.servers) });
  }
}
