// loadSite: inventory folder → validated, derived, immutable site model of one stage, as a chain of named
// stages, each in its own module:
//   files (load-files) → variables (load-variables) → hive definition (load-hive) → hosts (load-hosts)
//   → services (load-services) → model (load-model), plus the variables for Ansible roles (ansible-vars).
// Problems are collected across the stages and reported together; a stage that cannot go on stops loading.
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { STAGES, type Allocations, type Site, type Stage } from "./model";
import { InventoryError, ProblemList } from "./errors";
import { parseCidr, splitInternalCidr } from "./cidr";
import { readInventoryFiles } from "./load-files";
import { readInventoryVariables } from "./load-variables";
import { readHiveDefinition } from "./load-hive";
import { deriveHosts } from "./load-hosts";
import { deriveServices } from "./load-services";
import { buildSite, deepFreeze } from "./load-model";
import { collectAnsibleVars } from "./ansible-vars";

export { VAR_GROUPS } from "./load-variables";

export interface LoadOptions {
  readonly inventoryDir: string;
  readonly stage: Stage;
  /** Stack config `hive:vars`: variables with the highest precedence. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** The stored allocation ledger of the stage (empty when nothing is stored yet). */
  readonly previous?: Allocations;
  /** Environment for `lookup('env', …)`; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `hive_context_dir`; defaults to `<cwd>/.hive/<stage>`. */
  readonly contextDir?: string;
}

/** Loads, validates and derives the site of one stage; throws InventoryError listing every problem found. */
export function loadSite(opts: LoadOptions): Site {
  try {
    return load(opts);
  } catch (err) {
    if (err instanceof InventoryError) throw err;
    // A bug or an unexpected input shape must still be reported as an inventory problem, not a stack trace.
    const dir = resolve(opts.inventoryDir);
    throw new InventoryError([
      { file: dir, line: 1, column: 1, message: `internal error while reading the inventory: ${err instanceof Error ? err.message : String(err)}` },
    ]);
  }
}

function load(opts: LoadOptions): Site {
  const problems = new ProblemList();
  const dir = resolve(opts.inventoryDir);
  const stage = opts.stage;
  if (!(STAGES as readonly string[]).includes(stage)) {
    throw new InventoryError([{ file: dir, line: 1, column: 1, message: `stage must be one of ${STAGES.map((s) => `"${s}"`).join(", ")}, but is "${stage}"` }]);
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InventoryError([{ file: dir, line: 1, column: 1, message: "inventory folder not found" }]);
  }
  const files = readInventoryFiles(dir, problems);
  const vars = readInventoryVariables(dir, stage, opts.vars ?? {}, problems);
  const hive = readHiveDefinition(files, stage, vars, problems);
  const hosts = deriveHosts(
    { dir, stage, name: hive.name, derived: hive.derived, vars, hiveFile: files.hiveFile, env: opts.env ?? process.env, contextDir: opts.contextDir },
    problems,
  );
  const cidr = hive.derived.spec.internalCidr;
  const internal = splitInternalCidr(cidr === null ? null : (parseCidr(cidr) as Exclude<ReturnType<typeof parseCidr>, string>));
  const services = deriveServices({ stage, files, vars, hosts, internal }, problems);
  // Before the model: materialising a password lookup may name a secret no value evaluated so far used.
  const ansibleVars = collectAnsibleVars(vars, hosts);
  const site = buildSite({ dir, stage, hiveFile: files.hiveFile, hive, hosts, services, internal, previous: opts.previous }, problems);
  return deepFreeze({ ...site, ansibleVars });
}
