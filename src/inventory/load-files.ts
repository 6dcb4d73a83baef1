// Stage 1 of loading an inventory: the files. Every YAML file of the inventory folder is parsed (positions
// kept) and sorted by its `plugin:` into the hive definition and the service definitions.
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import type { ProblemList } from "./errors";
import { readYaml, type YamlFile } from "./yamlfile";

export interface InventoryFiles {
  /** The one file with `plugin: hive_inventory`. */
  readonly hiveFile: YamlFile;
  /** Files with `plugin: hive_services`, in name order. */
  readonly serviceFiles: readonly YamlFile[];
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isYaml(name: string): boolean {
  return [".yml", ".yaml"].includes(extname(name));
}

/** The YAML files directly in `dir`, sorted; none when it is not a folder. */
export function listYaml(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => isYaml(f) && statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

/** Files of `<dir>/<name>.yml` and `<dir>/<name>/*.yml` (group_vars, host_vars), by name. */
export function varFiles(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return out;
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.set(entry, listYaml(path));
    else if (isYaml(entry)) out.set(basename(entry, extname(entry)), [...(out.get(basename(entry, extname(entry))) ?? []), path]);
  }
  return out;
}

/** Reads the inventory folder's definition files; throws (through `problems`) when there is no hive definition. */
export function readInventoryFiles(dir: string, problems: ProblemList): InventoryFiles {
  const hiveFiles: YamlFile[] = [];
  const serviceFiles: YamlFile[] = [];
  for (const file of listYaml(dir)) {
    const y = readYaml(file, problems);
    if (y.data === null && problems.items.some((p) => p.file === file)) continue;
    const plugin = isMapping(y.data) ? y.data.plugin : undefined;
    if (plugin === "hive_inventory") hiveFiles.push(y);
    else if (plugin === "hive_services") serviceFiles.push(y);
    else if (isMapping(y.data) && "plugin" in y.data) {
      problems.add(y.pos(["plugin"]), `plugin: must be "hive_inventory" or "hive_services", but is ${JSON.stringify(plugin)}`);
    } else {
      problems.add(y.pos([]), 'not an inventory file: a hive definition needs "plugin: hive_inventory", a service definition "plugin: hive_services"');
    }
  }
  if (hiveFiles.length === 0) {
    problems.add({ file: dir, line: 1, column: 1 }, 'no hive definition found: one file needs "plugin: hive_inventory", name and stages');
    problems.throwIfAny();
  }
  for (const extra of hiveFiles.slice(1)) {
    problems.add(extra.pos(["plugin"]), `a second hive definition; only one file may have "plugin: hive_inventory" (the first is ${basename(hiveFiles[0].file)})`);
  }
  return { hiveFile: hiveFiles[0], serviceFiles };
}
