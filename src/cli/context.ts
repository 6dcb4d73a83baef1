// What every `hive` command resolves first: the stage, the inventory folder, the stack config file,
// the checkout's settings, and where the Pulumi CLI is.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { isMap, parseDocument, YAMLMap } from "yaml";
import { STAGES, type Stage } from "../inventory/model";

/** A failure the CLI reports as one line (`hive: <message>`) and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const DEFAULT_STAGE: Stage = "private";
export const DEFAULT_INVENTORY = "inventory";

export function isStage(value: string): value is Stage {
  return (STAGES as readonly string[]).includes(value);
}

export function checkStage(value: string): Stage {
  if (!isStage(value)) throw new CliError(`unknown stage "${value}": the stages are ${STAGES.join(", ")}`);
  return value;
}

// --- .hive/settings.json: settings of this checkout (the default stage) ---

export interface Settings {
  stage?: string;
}

export function settingsPath(root: string): string {
  return join(root, ".hive", "settings.json");
}

export function readSettings(root: string): Settings {
  const file = settingsPath(root);
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
    return parsed !== null && typeof parsed === "object" ? (parsed as Settings) : {};
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function writeSettings(root: string, settings: Settings): void {
  mkdirSync(join(root, ".hive"), { recursive: true });
  writeFileSync(settingsPath(root), JSON.stringify(settings, null, 2) + "\n");
}

/** Stage from `-s`, else the checkout's settings, else `private`. */
export function resolveStage(flag: string | undefined, settings: Settings): Stage {
  return checkStage(flag ?? settings.stage ?? DEFAULT_STAGE);
}

// --- Pulumi.<stage>.yaml: the stack config, read and written directly for plain values ---

export function stackConfigPath(root: string, stage: string): string {
  return join(root, `Pulumi.${stage}.yaml`);
}

/** A config value as stored in the file: a plain value, or `{ secure: <ciphertext> }` for a secret. */
export type StoredValue = unknown;

/** The `config:` map of Pulumi.<stage>.yaml (fully-qualified keys such as `hive:inventory`). */
export function readStackConfig(root: string, stage: string): Record<string, StoredValue> {
  const file = stackConfigPath(root, stage);
  if (!existsSync(file)) return {};
  const doc = parseDocument(readFileSync(file, "utf8"));
  if (doc.errors.length > 0) throw new CliError(`${file}: ${doc.errors[0].message}`);
  const config = (doc.toJS() as { config?: Record<string, StoredValue> } | null)?.config;
  return config ?? {};
}

export function isSecureValue(value: StoredValue): boolean {
  return value !== null && typeof value === "object" && "secure" in value;
}

/** Sets (value given) or removes (undefined) one key of Pulumi.<stage>.yaml, keeping comments and order. */
export function writeStackConfigValue(root: string, stage: string, key: string, value: unknown): boolean {
  const file = stackConfigPath(root, stage);
  const doc = parseDocument(existsSync(file) ? readFileSync(file, "utf8") : "config:\n");
  if (doc.errors.length > 0) throw new CliError(`${file}: ${doc.errors[0].message}`);
  if (!isMap(doc.get("config", true))) doc.set("config", new YAMLMap());
  let changed: boolean;
  if (value === undefined) {
    changed = doc.deleteIn(["config", key]);
  } else {
    doc.setIn(["config", key], value);
    changed = true;
  }
  if (changed) writeFileSync(file, doc.toString());
  return changed;
}

/** `hive:<var>` for a variable name; a name that already has a namespace is kept. */
export function configKey(variable: string): string {
  if (!/^[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?$/.test(variable)) {
    throw new CliError(`"${variable}" is not a variable name (letters, digits, _ . -; optionally <namespace>:<name>)`);
  }
  return variable.includes(":") ? variable : `hive:${variable}`;
}

/** Inventory folder: `-i`, else stack config `hive:inventory`, else `inventory/`; relative to the project root. */
export function resolveInventory(root: string, stage: Stage, flag?: string): string {
  const fromConfig = readStackConfig(root, stage)["hive:inventory"];
  const dir = flag ?? (typeof fromConfig === "string" ? fromConfig : DEFAULT_INVENTORY);
  return resolve(root, dir);
}

// --- the Pulumi CLI ---

export const PULUMI_INSTALL_HINT =
  "install it with `curl -fsSL https://get.pulumi.com | sh` (see https://www.pulumi.com/docs/install/) and make sure `pulumi` is on PATH";

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The `pulumi` executable: first on PATH, else in `$PULUMI_HOME/bin` (default ~/.pulumi/bin). */
export function findPulumi(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(":")) {
    if (dir !== "" && isExecutableFile(join(dir, "pulumi"))) return join(dir, "pulumi");
  }
  const home = env.PULUMI_HOME ?? (env.HOME ? join(env.HOME, ".pulumi") : undefined);
  if (home && isExecutableFile(join(home, "bin", "pulumi"))) return join(home, "bin", "pulumi");
  return undefined;
}

/**
 * Finds the Pulumi CLI and returns its path; one found only under PULUMI_HOME is put on PATH (of `env`) so
 * that the runner finds it. Exit code 2 when there is none. It is not run here: a call of its own would
 * cost every command a tenth of a second, and a CLI that does not run fails the command's own call.
 */
export function checkPulumi(env: NodeJS.ProcessEnv): string {
  const pulumi = findPulumi(env);
  if (pulumi === undefined) throw new CliError(`the Pulumi CLI was not found: ${PULUMI_INSTALL_HINT}`, 2);
  const dir = pulumi.slice(0, -"/pulumi".length);
  if (!(env.PATH ?? "").split(":").includes(dir)) env.PATH = env.PATH ? `${dir}:${env.PATH}` : dir;
  return pulumi;
}

/** The engine's error when another update holds the stack (DIY backend lock or service conflict). */
export function isLockError(message: string): boolean {
  return /the stack is currently locked|another update is currently in progress/i.test(message);
}

export function lockMessage(stage: string): string {
  return (
    `stage ${stage} is locked by another update: wait for it to finish; if no update is running (a crashed run left the lock), ` +
    `remove the lock with \`hive unlock -s ${stage}\` (= \`pulumi cancel -s ${stage}\`)`
  );
}
