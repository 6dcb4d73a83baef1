// initialize_roles: run once per content (image + roles) inside a running task of the service.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { Service, Site } from "../../src/inventory/model";
import { remoteRolePath } from "../images/image-build";
import type { RoleDir } from "../images/image-hash";
import { failingCommand, readRolesScript, readScript, remoteScript, type HostConnection } from "./remote-script";
import { inventoryLines, type SecretValues } from "./values";

/** Environment of init-service.sh. Pure. */
export function initEnv(service: Service, site: Site, roles: readonly RoleDir[], ansibleVenv: string, library?: string): { [name: string]: string } {
  return {
    ...(library !== undefined ? { HIVE_LIBRARY: library } : {}),
    HIVE_SERVICE: service.name,
    HIVE_DOMAIN: site.name,
    HIVE_FIRST_HIVE: site.firstHive,
    HIVE_ROLE_PATHS: roles.map(remoteRolePath).join(":"),
    HIVE_ANSIBLE_VENV: ansibleVenv,
    HIVE_EXTRA_VARS: JSON.stringify({ hive_name: site.name, hive_stage: site.stage, hive_service: service.name }),
    HIVE_INVENTORY_STDIN: "1",
  };
}

/** Standard input of init-service.sh: the stage's Ansible inventory, extra variables and SSH key (inventoryLines). */
export function initStdin(site: Site, secrets: SecretValues, sshKey: pulumi.Input<string>): pulumi.Output<string> {
  return inventoryLines(site, secrets, sshKey);
}

export interface ServiceInitArgs {
  readonly service: Service;
  readonly site: Site;
  readonly roles: readonly RoleDir[];
  /** Why the roles cannot run (some are found nowhere); the initialisation then fails at up time. */
  readonly missingRoles?: string | null;
  readonly ansibleVenv: string;
  /** Remote path of the project's lib/ (the roles' module path), if any. */
  readonly library?: string;
  /** The service's image reference (its content tag changes when the image changes). */
  readonly image: pulumi.Input<string>;
  readonly connection: pulumi.Input<HostConnection>;
  /** Realised site secrets, for the inventory the roles see. */
  readonly secrets: SecretValues;
  /** The SwarmService and the role uploads. */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * Runs on the repository server (where the roles and Ansible are). `triggers` = image reference + role hashes:
 * a new image or changed roles replace the command, so it runs again; nothing else reruns it (`update` is a no-op).
 */
export class ServiceInit extends pulumi.ComponentResource {
  constructor(name: string, args: ServiceInitArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:services:ServiceInit", name, {}, opts);
    let create = remoteScript(readRolesScript("services", "init-service.sh"), initEnv(args.service, args.site, args.roles, args.ansibleVenv, args.library));
    if (args.missingRoles) {
      const message = `initialize_roles of service ${args.service.name}: ${args.missingRoles}`;
      pulumi.log.warn(`${message}; its initialisation fails until they exist`, this);
      create = failingCommand(message);
    }
    new command.remote.Command(
      `${name}-run`,
      {
        connection: args.connection,
        create,
        update: "true",
        stdin: initStdin(args.site, args.secrets, pulumi.output(args.connection).apply((c) => c.privateKey)),
        triggers: [args.image, ...args.roles.map((r) => `${r.name}:${r.hash}`)],
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({});
  }
}

export interface RepositoryFileArgs {
  readonly connection: pulumi.Input<HostConnection>;
  readonly path: string;
  /** The file's text, in the command (plain). Exactly one of content and secretContent. */
  readonly content?: string;
  /** The file's text when it is a secret: sent on the command's stdin, never in its text. */
  readonly secretContent?: pulumi.Input<string>;
  readonly mode?: string;
  /** The user that owns the file (the backup service reads its secrets as the admin user). */
  readonly owner?: string;
  readonly restartUnit?: string;
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Command texts of install-file.sh for one file; without `content` the file's text is read from stdin. Pure. */
export function installFileCommands(a: { path: string; content?: string; mode?: string; owner?: string; restartUnit?: string }): { create: string; delete: string } {
  const script = readScript("services", "install-file.sh");
  const common = { HIVE_FILE_PATH: a.path, ...(a.restartUnit ? { HIVE_RESTART_UNIT: a.restartUnit } : {}) };
  const owner: Record<string, string> = a.owner !== undefined ? { HIVE_FILE_OWNER: a.owner } : {};
  const content: Record<string, string> = a.content !== undefined ? { HIVE_FILE_CONTENT: a.content } : { HIVE_FILE_FROM_STDIN: "1" };
  return {
    create: remoteScript(script, { ...common, ...content, ...owner, HIVE_FILE_MODE: a.mode ?? "0644" }, { sudo: true }),
    delete: remoteScript(script, { ...common, HIVE_ACTION: "delete" }, { sudo: true }),
  };
}

/** One generated file on the repository server (backup functions, rsyslog rules). */
export class RepositoryFile extends pulumi.ComponentResource {
  constructor(name: string, args: RepositoryFileArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:services:RepositoryFile", name, {}, opts);
    const texts = installFileCommands(args);
    new command.remote.Command(
      `${name}-install`,
      {
        connection: args.connection,
        create: texts.create,
        delete: texts.delete,
        ...(args.secretContent !== undefined ? { stdin: pulumi.secret(args.secretContent) } : {}),
      },
      // Replacing (a changed connection) must not end with the old command's delete removing the new file.
      { parent: this, dependsOn: args.dependsOn, deleteBeforeReplace: true },
    );
    this.registerOutputs({});
  }
}
