// Image builds on the repository server: role folders uploaded once per content, one build command per image.
import { existsSync, statSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { Service, Site } from "../../src/inventory/model";
import { failingCommand, readRolesScript, remoteScript, type HostConnection } from "../services/remote-script";
import { inventoryLines, toInput, type SecretValues } from "../services/values";
import { directoryHash, findRoles, imageHash, ImageError, missingRolesMessage, type RoleDir } from "./image-hash";

/** Where a role folder lives on the repository server (relative to the admin's home): content-addressed. */
export function remoteRolePath(role: RoleDir): string {
  return `hive/roles/${role.name}-${role.hash.slice(0, 16)}`;
}

/**
 * The project's `lib/` (custom Ansible modules, next to `roles/`), as hive-builder put it on the module path of
 * every role; null when the project has none.
 */
export function projectLibrary(rolesDir: string): RoleDir | null {
  const dir = join(rolesDir, "..", "lib");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return null;
  return { name: "lib", dir, hash: directoryHash(dir) };
}

/** Where the project's lib/ is uploaded on the repository server (relative to the admin's home). */
export function remoteLibraryPath(lib: RoleDir): string {
  return `hive/lib-${lib.hash.slice(0, 16)}`;
}

export interface ImagePlan {
  readonly service: string;
  /** `<registry>/image_<svc>`. */
  readonly repository: string;
  readonly tag: string;
  readonly roles: readonly RoleDir[];
  /** Why the build cannot run (roles found nowhere); null when it can. Planning does not need the roles. */
  readonly missingRoles: string | null;
  /** Local folder of a Dockerfile build, and the Dockerfile's name in it. */
  readonly dockerfile: { readonly dir: string; readonly file: string; readonly hash: string } | null;
}

/** What to build for a service with a build object; null for pulled images. Pure (reads role files). */
export function imagePlan(service: Service, site: Site, projectRolesDir: string): ImagePlan | null {
  const build = service.image.build;
  if (service.image.kind !== "build" || build === null) return null;
  const { roles, missing } = build.dockerfile === null ? findRoles(build.roles, projectRolesDir) : { roles: [], missing: [] };
  let dockerfile: ImagePlan["dockerfile"] = null;
  if (build.dockerfile !== null) {
    const path = join(site.inventoryDir, build.dockerfile);
    dockerfile = { dir: dirname(path), file: basename(path), hash: directoryHash(dirname(path)) };
  }
  return {
    service: service.name,
    repository: service.image.ref,
    tag: imageHash(build, { roles, contextHash: dockerfile?.hash ?? null, missing, vars: site.ansibleVars?.hosts[`image_${service.name}`] ?? {} }),
    roles,
    missingRoles: missing.length > 0 ? missingRolesMessage(missing, projectRolesDir) : null,
    dockerfile,
  };
}

export interface BuildSettings {
  readonly site: Site;
  readonly ansibleVenv: string;
  /** Remote path of the project's lib/ (remoteLibraryPath), the roles' module path; none without one. */
  readonly library?: string;
}

/** Environment of build-image.sh for a plan (no secrets). Pure. */
export function buildEnv(service: Service, plan: ImagePlan, settings: BuildSettings): { [name: string]: string } {
  const build = service.image.build;
  if (build === null) throw new ImageError(`service "${service.name}" has no build object`);
  const repo = settings.site.hosts.find((h) => h.name === settings.site.repository);
  const env: { [name: string]: string } = {
    HIVE_SERVICE: service.name,
    HIVE_IMAGE: plan.repository,
    HIVE_TAG: plan.tag,
    HIVE_REGISTRY: settings.site.registry,
  };
  if (plan.dockerfile !== null) {
    env.HIVE_DOCKERFILE_DIR = `hive/build/${service.name}-${plan.tag}`;
    env.HIVE_DOCKERFILE = plan.dockerfile.file;
    return env;
  }
  return {
    ...env,
    HIVE_FROM: build.from,
    HIVE_ROLE_PATHS: plan.roles.map(remoteRolePath).join(":"),
    HIVE_STANDALONE: build.standalone ? "1" : "0",
    HIVE_PRIVILEGED: build.privileged ? "1" : "0",
    HIVE_USER: build.user ?? "",
    HIVE_WORKDIR: build.workingDir ?? "",
    HIVE_STOP_SIGNAL: build.stopSignal ?? "",
    HIVE_ENTRYPOINT: build.entrypoint === null ? "" : JSON.stringify(build.entrypoint),
    HIVE_COMMAND: build.command === null ? "" : JSON.stringify(build.command),
    HIVE_EXPOSE: build.expose.join(" "),
    HIVE_ANSIBLE_VENV: settings.ansibleVenv,
    ...(settings.library !== undefined ? { HIVE_LIBRARY: settings.library } : {}),
    HIVE_EXTRA_VARS: JSON.stringify({
      hive_name: settings.site.name,
      hive_stage: settings.site.stage,
      hive_registry: settings.site.registry,
      hive_repository: settings.site.repository,
      hive_syslog_address: repo?.privateIp ?? settings.site.repository,
      hive_syslog_port: 10514,
    }),
  };
}

/**
 * Standard input of build-image.sh: the password line, `KEY=<base64>` per image environment variable, then with
 * a site, `HIVE_INVENTORY` and the stage's Ansible inventory for the roles with the site's SSH key (inventoryLines).
 */
export function buildStdin(
  service: Service,
  registryPassword: pulumi.Input<string>,
  secrets: SecretValues,
  roles?: { readonly site: Site; readonly sshKey: pulumi.Input<string> },
): pulumi.Output<string> {
  const env = service.image.build?.env ?? {};
  const lines = Object.entries(env).map(([k, v]) =>
    pulumi.output(toInput(v, secrets)).apply((value) => `${k}=${Buffer.from(value, "utf8").toString("base64")}`),
  );
  const inventory = roles !== undefined ? [pulumi.output("HIVE_INVENTORY"), inventoryLines(roles.site, secrets, roles.sshKey).apply((t) => t.replace(/\n$/, ""))] : [];
  return pulumi.secret(pulumi.all([registryPassword, ...lines, ...inventory]).apply((xs) => xs.join("\n") + "\n"));
}

export interface RoleUploadsArgs {
  readonly roles: readonly RoleDir[];
  /** The project's lib/, uploaded with the roles. */
  readonly library?: RoleDir | null;
  readonly connection: pulumi.Input<HostConnection>;
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * A folder's contents as a CopyToRemote source: without the trailing slash the command provider copies the
 * folder *into* the remote path (`<remotePath>/<folder name>/…`), whatever its documentation's table says.
 */
export function folderContents(dir: string): pulumi.asset.FileArchive {
  return new pulumi.asset.FileArchive(dir.endsWith("/") ? dir : `${dir}/`);
}

/** The upload resources of some role folders and of the project's lib/. */
export interface RoleFolderUploads {
  /** Upload resource by remote path. */
  readonly uploads: { readonly [remotePath: string]: pulumi.Resource };
  /** The upload of the project's lib/, if any. */
  readonly library: pulumi.Resource | null;
}

/**
 * Uploads each distinct role folder once to `~/hive/roles/<name>-<hash>` (and lib/ to `~/hive/lib-<hash>`) on the
 * repository server, as children of `parent` named from `name`.
 */
export function uploadRoleFolders(name: string, args: RoleUploadsArgs, parent: pulumi.Resource): RoleFolderUploads {
  const dir = new command.remote.Command(`${name}-dir`, { connection: args.connection, create: "mkdir -p hive/roles hive/build" }, { parent, dependsOn: args.dependsOn });
  const uploads: { [path: string]: pulumi.Resource } = {};
  for (const role of args.roles) {
    const path = remoteRolePath(role);
    if (uploads[path]) continue;
    uploads[path] = new command.remote.CopyToRemote(
      `${name}-${role.name}`,
      { connection: args.connection, source: folderContents(role.dir), remotePath: path, triggers: [role.hash] },
      { parent, dependsOn: [dir] },
    );
  }
  const library = args.library
    ? new command.remote.CopyToRemote(
        `${name}-lib`,
        { connection: args.connection, source: folderContents(args.library.dir), remotePath: remoteLibraryPath(args.library), triggers: [args.library.hash] },
        { parent, dependsOn: [dir] },
      )
    : null;
  return { uploads, library };
}

/** The role folders of the image builds and initialisations (uploadRoleFolders). */
export class RoleUploads extends pulumi.ComponentResource implements RoleFolderUploads {
  public readonly uploads: { readonly [remotePath: string]: pulumi.Resource };
  public readonly library: pulumi.Resource | null;

  constructor(name: string, args: RoleUploadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:images:RoleUploads", name, {}, opts);
    ({ uploads: this.uploads, library: this.library } = uploadRoleFolders(name, args, this));
    this.registerOutputs({});
  }
}

export interface ImageBuildArgs {
  readonly service: Service;
  readonly plan: ImagePlan;
  readonly settings: BuildSettings;
  readonly connection: pulumi.Input<HostConnection>;
  readonly registryPassword: pulumi.Input<string>;
  readonly secrets: SecretValues;
  /** Role uploads (and the registry) the build needs. */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** A platform as swarm records it for a service's image. */
export interface ImagePlatform {
  readonly os: string;
  readonly architecture: string;
}

/** The pushed image's digest and platform from the last lines build-image.sh prints; null without them. Pure. */
export function parseImageReference(stdout: string): { digest: string; platform: ImagePlatform } | null {
  const digest = /^HIVE_IMAGE_DIGEST=(sha256:[0-9a-f]{64})$/m.exec(stdout)?.[1];
  const platform = /^HIVE_IMAGE_PLATFORM=([^/\s]+)\/(\S+)$/m.exec(stdout);
  if (digest === undefined || platform === null) return null;
  return { digest, platform: { os: platform[1], architecture: platform[2] } };
}

/**
 * One built image. The build command is replaced (so it runs again) only when the content hash changes; any
 * other input change (e.g. a rotated registry password) runs the no-op update.
 */
export class ImageBuild extends pulumi.ComponentResource {
  /**
   * `<registry>/image_<svc>:<hash>@<digest>`, known only after the push. Swarm records a service's image by
   * digest (the docker provider asks the registry) and would otherwise show a difference on every update.
   */
  public readonly imageRef: pulumi.Output<string>;
  /** The image's platform, which swarm records beside the digest; null when the build did not say. */
  public readonly platform: pulumi.Output<ImagePlatform | null>;

  constructor(name: string, args: ImageBuildArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:images:ImageBuild", name, {}, opts);
    const deps = [...args.dependsOn];
    if (args.plan.dockerfile !== null) {
      deps.push(
        new command.remote.CopyToRemote(
          `${name}-context`,
          {
            connection: args.connection,
            source: folderContents(args.plan.dockerfile.dir),
            remotePath: `hive/build/${args.service.name}-${args.plan.tag}`,
            triggers: [args.plan.tag],
          },
          { parent: this, dependsOn: args.dependsOn },
        ),
      );
    }
    const script = readRolesScript("images", "build-image.sh");
    const env = buildEnv(args.service, args.plan, args.settings);
    let create = remoteScript(script, env);
    // Another input changed (the registry password, say): build nothing, print the reference again.
    let update = remoteScript(script, { ...env, HIVE_REFERENCE_ONLY: "1" });
    if (args.plan.missingRoles !== null) {
      const message = `image of service ${args.service.name}: ${args.plan.missingRoles}`;
      pulumi.log.warn(`${message}; its build fails until they exist`, this);
      create = update = failingCommand(message);
    }
    const build = new command.remote.Command(
      `${name}-build`,
      {
        connection: args.connection,
        create,
        update,
        stdin: buildStdin(args.service, args.registryPassword, args.secrets, { site: args.settings.site, sshKey: pulumi.output(args.connection).apply((c) => c.privateKey) }),
        triggers: [args.plan.tag],
      },
      { parent: this, dependsOn: deps },
    );
    const reference = build.stdout.apply(parseImageReference);
    const tagged = `${args.plan.repository}:${args.plan.tag}`;
    this.imageRef = reference.apply((r) => (r === null ? tagged : `${tagged}@${r.digest}`));
    this.platform = reference.apply((r) => r?.platform ?? null);
    this.registerOutputs({ imageRef: this.imageRef, platform: this.platform });
  }
}
