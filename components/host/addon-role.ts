// The project's Ansible role roles/addon, applied to every server as hive-builder's setup-hosts did: from the
// repository server, where Ansible is, with the stage's inventory (group_vars, host_vars, groups, hostvars), the
// project's lib/ and become. hive's own hook roles/addon/setup.sh (the addon step of HostSetup) stays as it is.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { Host, Site } from "../../src/inventory/model";
import { directoryHash, type RoleDir } from "../images/image-hash";
import { projectLibrary, remoteLibraryPath, remoteRolePath, uploadRoleFolders, type RoleFolderUploads } from "../images/image-build";
import { readRolesScript, remoteScript } from "../services/remote-script";
import { inventoryLines, type SecretValues } from "../services/values";
import type { HostConnection } from "./command";

/** The project's roles/addon when it is an Ansible role (tasks/ or meta/), else null. Reads the folder. */
export function projectAddonRole(projectRolesDir: string): RoleDir | null {
  const dir = join(projectRolesDir, "addon");
  const isRole = ["tasks", "meta"].some((d) => existsSync(join(dir, d)) && statSync(join(dir, d)).isDirectory());
  return isRole ? { name: "addon", dir, hash: directoryHash(dir) } : null;
}

/** Environment of addon-role.sh for one server (no secrets). Pure. */
export function addonRoleEnv(site: Site, host: Host, role: RoleDir, ansibleVenv: string, library: RoleDir | null): { [name: string]: string } {
  return {
    HIVE_HOST: host.name,
    HIVE_ROLE_PATHS: remoteRolePath(role),
    HIVE_ANSIBLE_VENV: ansibleVenv,
    ...(library !== null ? { HIVE_LIBRARY: remoteLibraryPath(library) } : {}),
    HIVE_EXTRA_VARS: JSON.stringify({ hive_name: site.name, hive_stage: site.stage }),
  };
}

/**
 * The role's files on the repository server. Not a unit of any phase (its type is outside `hive:host:`): it is
 * support of the addon runs, so a phase command limited to some servers still brings it up to date.
 */
export class AddonRoleFiles extends pulumi.ComponentResource implements RoleFolderUploads {
  public readonly uploads: { readonly [remotePath: string]: pulumi.Resource };
  public readonly library: pulumi.Resource | null;

  constructor(
    name: string,
    args: { role: RoleDir; library: RoleDir | null; connection: pulumi.Input<HostConnection>; dependsOn: pulumi.Input<pulumi.Resource>[] },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("hive:roles:AddonRoleFiles", name, {}, opts);
    ({ uploads: this.uploads, library: this.library } = uploadRoleFolders(
      name,
      { roles: [args.role], library: args.library, connection: args.connection, dependsOn: args.dependsOn },
      this,
    ));
    this.registerOutputs({});
  }
}

export interface AddonRoleArgs {
  readonly site: Site;
  readonly host: Host;
  readonly role: RoleDir;
  readonly library: RoleDir | null;
  readonly files: AddonRoleFiles;
  readonly ansibleVenv: string;
  /** SSH to the repository server, where the role runs. */
  readonly repository: pulumi.Input<HostConnection>;
  /** The site's realised secrets, for the inventory the role sees. */
  readonly secrets: SecretValues;
  /** The server's own setup and the repository's Ansible. */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The role on one server. It runs again when the role, lib/ or the inventory changes (the command's update),
 * never otherwise; removing it undoes nothing, as with hive-builder.
 */
export class AddonRole extends pulumi.ComponentResource {
  public readonly run: command.remote.Command;

  constructor(name: string, args: AddonRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:host:AddonRole", name, {}, opts);
    const text = remoteScript(readRolesScript("host", "addon-role.sh"), addonRoleEnv(args.site, args.host, args.role, args.ansibleVenv, args.library));
    this.run = new command.remote.Command(
      `${name}-run`,
      {
        connection: args.repository,
        create: text,
        stdin: inventoryLines(args.site, args.secrets, pulumi.output(args.repository).apply((c) => c.privateKey)),
      },
      { parent: this, dependsOn: [...args.dependsOn, ...Object.values(args.files.uploads), ...(args.files.library ? [args.files.library] : [])] },
    );
    this.registerOutputs({});
  }
}

export interface AddonRolesArgs {
  readonly site: Site;
  /** The project's roles/ folder. */
  readonly projectRolesDir: string;
  readonly ansibleVenv: string;
  readonly repository: pulumi.Input<HostConnection>;
  readonly secrets: SecretValues;
  /** What the role files wait for (the repository's Ansible). */
  readonly repositoryReady: pulumi.Input<pulumi.Resource>[];
  /** What each server's run waits for, by server name (its host setup). */
  readonly hostReady: Readonly<Record<string, pulumi.Input<pulumi.Resource>[]>>;
}

/** One AddonRole per server when the project has an addon role; none (and no upload) otherwise. */
export function addonRoles(name: string, args: AddonRolesArgs, opts?: pulumi.ComponentResourceOptions): AddonRole[] {
  const role = projectAddonRole(args.projectRolesDir);
  if (role === null) return [];
  const library = projectLibrary(args.projectRolesDir);
  const files = new AddonRoleFiles(`${name}-addon-role`, { role, library, connection: args.repository, dependsOn: args.repositoryReady }, opts);
  return args.site.hosts.map(
    (host) =>
      new AddonRole(
        `${name}-addon-${host.shortName}`,
        {
          site: args.site,
          host,
          role,
          library,
          files,
          ansibleVenv: args.ansibleVenv,
          repository: args.repository,
          secrets: args.secrets,
          dependsOn: [...args.repositoryReady, ...(args.hostReady[host.name] ?? [])],
        },
        opts,
      ),
  );
}
