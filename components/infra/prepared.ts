// Prepared servers (SPEC §5.4): nothing to create in a cloud; with `root_password` the first run logs in as
// root once to create the admin user and install the site key, afterwards only key login is used.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Command as RemoteCommand } from "@pulumi/command/remote/command";
import type { Site } from "../../src/inventory/model";
import { FleetKeys, HostFleet, ServerEndpoint, serverOutputs } from "./fleet";
import { shellQuote } from "../shell";

export const BOOTSTRAP_SCRIPT = fs.readFileSync(path.join(__dirname, "scripts", "bootstrap-admin.sh"), "utf8");

/** The bootstrap script with its inputs prepended as shell assignments. */
export function bootstrapAdminScript(adminUser: string, publicKey: string): string {
  return `HIVE_ADMIN_USER=${shellQuote(adminUser)}\nHIVE_ADMIN_PUBKEY=${shellQuote(publicKey.trim())}\n${BOOTSTRAP_SCRIPT}`;
}

export interface PreparedHostFleetArgs {
  site: Site;
  keys: FleetKeys;
  /** Root password of the servers (secret); absent = the admin user already exists with the site key. */
  rootPassword?: pulumi.Input<string>;
}

export class PreparedHostFleet extends pulumi.ComponentResource implements HostFleet {
  public readonly servers: Record<string, ServerEndpoint> = {};

  constructor(name: string, args: PreparedHostFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:infra:PreparedHostFleet", name, {}, opts);
    const { site } = args;
    const password = args.rootPassword === undefined ? undefined : pulumi.secret(args.rootPassword);
    for (const host of site.hosts) {
      const ready: pulumi.Resource[] = [];
      if (password !== undefined) {
        const script = pulumi.output(args.keys.sshPublicKeyOpenssh).apply((key) => bootstrapAdminScript(site.adminUser, key));
        ready.push(
          new RemoteCommand(
            `${name}-${host.shortName}-bootstrap`,
            {
              connection: { host: host.privateIp, user: "root", password, dialErrorLimit: 30 },
              create: script,
              triggers: [site.adminUser, args.keys.sshPublicKeyOpenssh],
            },
            { parent: this },
          ),
        );
      }
      const ip = pulumi.output(host.privateIp);
      this.servers[host.name] = { name: host.name, publicIp: ip, privateIp: ip, connectIp: ip, adminUser: site.adminUser, ready };
    }
    this.registerOutputs({ servers: serverOutputs(this.servers) });
  }
}
