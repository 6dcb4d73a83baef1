// What of a hive-builder project hive does not support yet, each with its file and line: Jinja filters, tests
// and lookups in the values hive evaluates that it cannot evaluate, Ansible facts and play variables, and
// project files hive-builder used that hive does not (plugins, a playbook overriding initialize-services).
// Everything hive supports is left out, so the list is what needs editing.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { Problem } from "./errors";
import { isHiveVariable } from "./load-variables";
import { factMessage, IP_FILTERS, separateClosingBraces, SUPPORTED_LOOKUPS } from "./templates";

/** Ansible's filters hive adds to nunjucks' (templates.ts), by their short names. */
const ANSIBLE_FILTERS = [
  "bool", "to_json", "to_nice_json", "from_json", "from_yaml", "regex_replace", "regex_search", "combine", "dict2items",
  "items2dict", "quote", "dirname", "basename", "b64encode", "b64decode", "mandatory", "map", "to_yaml", "to_nice_yaml",
  "ternary", "unique", "union", "intersect", "difference", "symmetric_difference", "flatten", "extract", "hash", "md5",
  "sha1", "checksum", "password_hash", "int", "default",
];
/** Filters hive's template engine has: nunjucks' own and Ansible's, with their fully qualified names. */
export const SUPPORTED_FILTERS = new Set([
  // nunjucks
  "abs", "batch", "capitalize", "center", "default", "dictsort", "dump", "escape", "safe", "first", "forceescape", "groupby",
  "indent", "join", "last", "length", "list", "lower", "nl2br", "random", "reject", "rejectattr", "select", "selectattr",
  "replace", "reverse", "round", "slice", "sum", "sort", "string", "striptags", "title", "trim", "truncate", "upper",
  "urlencode", "urlize", "wordcount", "float", "int", "d", "e",
  ...ANSIBLE_FILTERS,
  ...ANSIBLE_FILTERS.map((f) => `ansible.builtin.${f}`),
  "json_query", "community.general.json_query",
  ...[...IP_FILTERS].flatMap((f) => [f, `ansible.utils.${f}`, `ansible.netcommon.${f}`]),
]);
export const SUPPORTED_TESTS = new Set(["defined", "undefined", "none", "number", "string", "odd", "even", "divisibleby", "escaped", "equalto", "eq", "sameas", "iterable", "mapping", "callable", "truthy", "falsy", "null", "lower", "upper", "ge", "gt", "le", "lt", "ne", "greaterthan", "lessthan", "match", "search", "regex"]);
/** Ansible's facts and play variables, which hive does not have where it evaluates a value (factMessage). */
const UNSUPPORTED_MAGIC = /\b(inventory_file|play_hosts|ansible_play_batch|ansible_play_hosts(?:_all)?|ansible_facts|ansible_[a-z0-9_]+|role_path|omit_place_holder)\b/;
const MAGIC_OK = new Set(["ansible_host", "ansible_hostname"]);

/** The `{{ … }}` and `{% … %}` parts of a line with their columns. */
function expressions(line: string): { text: string; column: number }[] {
  const out: { text: string; column: number }[] = [];
  const re = /\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g;
  // Closing braces of dictionaries are kept apart first, so an expression ends where Jinja ends it.
  for (const m of separateClosingBraces(line).matchAll(re)) out.push({ text: m[1] ?? m[2] ?? "", column: m.index + 1 });
  return out;
}

/** Removes string literals (their content is not code). */
function code(expr: string): string {
  return expr.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
}

/**
 * The constructs hive cannot evaluate in one file. In group_vars and host_vars only hive's own variables count
 * (isHiveVariable): any other is Ansible's, evaluated by hive only where a service uses it (a stage that fails to
 * load then says so), and otherwise by Ansible for the roles, where every filter, lookup and fact works.
 */
function scanText(file: string, text: string, varsFile: boolean): Problem[] {
  const problems: Problem[] = [];
  let key: string | null = null;
  text.split("\n").forEach((line, i) => {
    if (/^\s*#/.test(line)) return;
    const top = /^(["']?)([^\s#"':][^"':]*)\1\s*:/.exec(line);
    if (top) key = top[2];
    if (varsFile && (key === null || !isHiveVariable(key))) return;
    for (const e of expressions(line)) {
      const at = { file, line: i + 1, column: e.column };
      const c = code(e.text);
      for (const m of c.matchAll(/\|\s*([A-Za-z_][\w.]*)/g)) {
        if (!SUPPORTED_FILTERS.has(m[1])) problems.push({ ...at, message: `filter "${m[1]}" is not supported (docs/inventory.md lists the filters)` });
      }
      for (const m of c.matchAll(/\bis\s+(?:not\s+)?([A-Za-z_]\w*)/g)) {
        if (!SUPPORTED_TESTS.has(m[1])) problems.push({ ...at, message: `test "${m[1]}" is not supported` });
      }
      for (const m of e.text.matchAll(/\b(?:lookup|query|q)\s*\(\s*['"]([\w.]+)['"]/g)) {
        const name = m[1].replace(/^ansible\.builtin\./, "");
        if (!SUPPORTED_LOOKUPS.includes(name)) problems.push({ ...at, message: `lookup('${m[1]}') is not supported; supported: ${SUPPORTED_LOOKUPS.join(", ")}` });
      }
      const magic = UNSUPPORTED_MAGIC.exec(c);
      if (magic && !MAGIC_OK.has(magic[1])) problems.push({ ...at, message: `variable "${magic[1]}" is not defined where hive evaluates this value: ${factMessage(magic[1]) ?? "it is not an inventory variable"}` });
    }
  });
  return problems;
}

function walkYaml(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) return walkYaml(p);
      return /\.ya?ml$/.test(n) ? [p] : [];
    });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

/**
 * Every construct of the project at `projectDir` (its inventory at `inventoryDir`) that hive does not support,
 * in file order. Paths are absolute.
 */
export function findUnsupported(projectDir: string, inventoryDir: string): Problem[] {
  const problems: Problem[] = [];
  for (const file of walkYaml(inventoryDir)) {
    const varsFile = /^(group|host)_vars$/.test(relative(inventoryDir, file).split(sep)[0]);
    problems.push(...scanText(file, readFileSync(file, "utf8"), varsFile));
  }
  if (projectDir !== inventoryDir) {
    const first = (path: string, message: string) => problems.push({ file: path, line: 1, column: 1, message });
    for (const f of filesUnder(join(projectDir, "plugins"))) first(f, "Ansible plugins (inventory, filter) are not loaded");
    const legacy = join(projectDir, "initialize-services.yml");
    if (existsSync(legacy)) first(legacy, "a playbook overriding initialize-services is not run; hive applies each service's initialize_roles");
  }
  return problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

/** `file:line:column: message` with the file relative to `base`. */
export function formatUnsupported(p: Problem, base: string): string {
  return `${relative(base, p.file) || p.file}:${p.line}:${p.column}: ${p.message}`;
}
