// Which role folders an image build uses, and the content hash that tags the image and triggers the build.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { ImageBuild, Value } from "../../src/inventory/model";
import { sha256 } from "../services/remote-script";
import { isSecretString } from "../services/values";

/** The built-in roles shipped with hive (`roles/` at the top of this project). */
export const BUILTIN_ROLES_DIR = join(__dirname, "..", "..", "roles");
export const BUILTIN_ROLES = ["python-aptk", "hive-syslog", "hive-trust-ca"] as const;

export interface RoleDir {
  readonly name: string;
  readonly dir: string;
  /** sha256 over the role's files (relative path + content), sorted. */
  readonly hash: string;
}

export class ImageError extends Error {}

function files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...files(path));
    else out.push(path);
  }
  return out;
}

/** Hash of every file under `dir` (relative names and contents); renaming, editing, adding or removing a file changes it. */
export function directoryHash(dir: string): string {
  const h = files(dir).map((f) => `${relative(dir, f)}\0${sha256(readFileSync(f, "latin1"))}`);
  return sha256(h.join("\n"));
}

/** Roles found (in the order asked) and the names found nowhere. */
export interface FoundRoles {
  readonly roles: RoleDir[];
  readonly missing: string[];
}

/**
 * Looks role names up like Ansible's roles_path: the project's `roles/` first (so a project can override a
 * built-in), then hive's built-ins. A role found nowhere is listed in `missing`, not an error: only the run that
 * applies it needs it, as with hive-builder (whose `include_role` failed that image or service alone).
 */
export function findRoles(roles: readonly string[], projectRolesDir: string, builtinDir: string = BUILTIN_ROLES_DIR): FoundRoles {
  const found: RoleDir[] = [];
  const missing: string[] = [];
  for (const name of roles) {
    const dir = [projectRolesDir, builtinDir].map((base) => join(base, name)).find((d) => existsSync(d) && statSync(d).isDirectory());
    if (dir === undefined) missing.push(name);
    else found.push({ name, dir, hash: directoryHash(dir) });
  }
  return { roles: found, missing };
}

/** The error of a run whose roles are missing: which roles, and where they were looked for. */
export function missingRolesMessage(missing: readonly string[], projectRolesDir: string): string {
  const names = missing.map((n) => `"${n}"`).join(", ");
  return `${missing.length > 1 ? "roles" : "role"} ${names} ${missing.length > 1 ? "are" : "is"} neither in ${projectRolesDir} nor a built-in role (${BUILTIN_ROLES.join(", ")})`;
}

/** findRoles, where a missing role is an error naming both places. */
export function resolveRoles(roles: readonly string[], projectRolesDir: string, builtinDir: string = BUILTIN_ROLES_DIR): RoleDir[] {
  const { roles: found, missing } = findRoles(roles, projectRolesDir, builtinDir);
  if (missing.length > 0) throw new ImageError(missingRolesMessage(missing, projectRolesDir));
  return found;
}

function canonical(v: Value): unknown {
  // Secrets are hashed by their structure (which secret, where), not by value: the hash is a public image tag.
  if (isSecretString(v)) return { secret: v.parts.map((p) => (typeof p === "string" ? p : `{${p.secret}}`)) };
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canonical(x as Value)]));
  return v;
}

/** What an image's content hash covers besides its build object. */
export interface ImageInputs {
  readonly roles: readonly RoleDir[];
  /** Hash of a Dockerfile build's context. */
  readonly contextHash?: string | null;
  /** Roles found nowhere (the build fails until they exist). */
  readonly missing?: readonly string[];
  /** The image's own variables, `host_vars/image_<service>.yml` as written. */
  readonly vars?: Readonly<Record<string, unknown>>;
}

/**
 * The image's content hash (16 hex digits): the build object, the content of every used role, the image's own
 * variables and, for a Dockerfile build, the content of the build context. Roles the image does not use do not
 * count, nor do variables of the whole inventory (group_vars).
 */
export function imageHash(build: ImageBuild, inputs: ImageInputs): string {
  const { roles, contextHash = null, missing = [], vars = {} } = inputs;
  const doc = {
    // Bumped when the same inputs start to make a different image: 2 = the role folders reach the build
    // as themselves (before, each upload nested the folder one level down, so Ansible found a role without
    // tasks and the image came out as its base). A new value rebuilds every image once.
    layout: 2,
    from: build.from,
    env: Object.fromEntries(Object.entries(build.env).map(([k, v]) => [k, canonical(v)])),
    stopSignal: build.stopSignal,
    user: build.user,
    workingDir: build.workingDir,
    entrypoint: build.entrypoint,
    command: build.command,
    privileged: build.privileged,
    expose: build.expose,
    standalone: build.standalone,
    dockerfile: build.dockerfile,
    context: contextHash,
    roles: roles.map((r) => [r.name, r.hash]),
    // Roles not found: the build fails until they exist, and a new tag when they do.
    ...(missing.length > 0 ? { missing } : {}),
    // The roles read the image's own variables: changing them rebuilds it, as a changed role does.
    ...(Object.keys(vars).length > 0 ? { vars: canonical(vars as Value) } : {}),
  };
  return sha256(JSON.stringify(doc)).slice(0, 16);
}
