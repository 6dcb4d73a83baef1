// RepositoryServer: registry, Zabbix, log collection and backups on the repository server.
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { Site } from "../../src/inventory/model";
import { stepCommand, type HostConnection } from "../host/command";
import { checkOrder } from "../host/host-setup";
import { componentPath } from "../host/remote";
import { ANSIBLE_VENV, repositorySteps } from "./steps";

export interface RepositoryServerArgs {
  readonly site: Site;
  readonly connection: HostConnection;
  /** The repository server's host setup (docker with its certificate must be up first). */
  readonly hostReady: pulumi.Input<pulumi.Resource>[];
  /** Password of the registry user `hive` (secret). */
  readonly registryPassword: pulumi.Input<string>;
  /** Password of the Zabbix database user (secret). */
  readonly zabbixDbPassword: pulumi.Input<string>;
  /** Password of Zabbix's Admin user used for the API (Zabbix's initial one until it is changed). */
  readonly zabbixAdminPassword?: pulumi.Input<string>;
}

export function backupToolText(): string {
  return readFileSync(componentPath("repository/scripts/hive-backup.sh"), "utf8");
}

export class RepositoryServer extends pulumi.ComponentResource {
  public readonly steps: Readonly<Record<string, command.remote.Command>>;
  /** The registry is up: image builds and pulls wait for this. */
  public readonly registry: command.remote.Command;
  /** The Ansible virtualenv is ready: image builds and service initialisation wait for this. */
  public readonly ansible: command.remote.Command;
  /** Path of that virtualenv on the repository server (`ansibleVenv` of the workloads). */
  public readonly ansibleVenv: string = ANSIBLE_VENV;

  constructor(name: string, args: RepositoryServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:repository:RepositoryServer", name, {}, opts);
    const plans = repositorySteps(args.site, { backupTool: backupToolText() });
    checkOrder(plans);
    const secrets: Record<string, pulumi.Input<string>> = {
      HIVE_REGISTRY_PASSWORD: args.registryPassword,
      HIVE_ZABBIX_DB_PASSWORD: args.zabbixDbPassword,
      HIVE_ZABBIX_ADMIN_PASSWORD: args.zabbixAdminPassword ?? "zabbix",
    };
    const steps: Record<string, command.remote.Command> = {};
    for (const p of plans) {
      const mine = Object.fromEntries(p.secrets.map((s) => [s, pulumi.secret(secrets[s])]));
      steps[p.step] = stepCommand(`${name}-${p.step}`, p, args.connection, { secrets: mine }, {
        parent: this,
        dependsOn: [...args.hostReady, ...p.after.map((a) => steps[a])],
      });
    }
    this.steps = steps;
    this.registry = steps["registry"];
    this.ansible = steps["ansible-venv"];
    this.registerOutputs({});
  }
}
