// Ansible's filters that inventories use, with Ansible's (Python's) semantics rather than JavaScript's: path
// functions as os.path, regular expressions in Python syntax with re.sub replacements, JSON as json.dumps.
// Each is tested against the examples of the Ansible documentation (test/inventory/ansible-filters.test.ts).
import { isDeepStrictEqual } from "node:util";
import { search as jmespathSearch } from "jmespath";
import { parse as parseYaml } from "yaml";
import { ansibleToJson } from "./ansible-json";
import { toYamlText } from "./ansible-yaml";

/** nunjucks passes keyword arguments as a last object marked `__keywords`. */
export function splitKeywords(args: unknown[]): { args: unknown[]; kw: Record<string, unknown> } {
  const last = args[args.length - 1];
  if (last !== null && typeof last === "object" && (last as { __keywords?: boolean }).__keywords === true) {
    const { __keywords: _k, ...kw } = last as Record<string, unknown>;
    void _k;
    return { args: args.slice(0, -1), kw };
  }
  return { args, kw: {} };
}

/** os.path.dirname. */
export function pyDirname(p: string): string {
  const i = p.lastIndexOf("/") + 1;
  let head = p.slice(0, i);
  if (head !== "" && head !== "/".repeat(head.length)) head = head.replace(/\/+$/, "");
  return head;
}

/** os.path.basename. */
export function pyBasename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

/** A Python regular expression as a JavaScript one (named groups `(?P<n>…)`, `(?P=n)`). */
export function pyRegex(pattern: string, flags: string): RegExp {
  const js = pattern.replace(/\(\?P<([A-Za-z_]\w*)>/g, "(?<$1>").replace(/\(\?P=([A-Za-z_]\w*)\)/g, "\\k<$1>");
  return new RegExp(js, flags);
}

/** re.sub's replacement template (`\1`, `\g<1>`, `\g<name>`, `\n`…) applied to one match. */
function expandReplacement(repl: string, m: RegExpExecArray | RegExpMatchArray): string {
  return repl.replace(/\\(?:g<([^>]+)>|(\d{1,2})|([ntr\\]))/g, (_all, named: string | undefined, num: string | undefined, esc: string | undefined) => {
    if (esc !== undefined) return { n: "\n", t: "\t", r: "\r", "\\": "\\" }[esc]!;
    const key = named ?? num!;
    const v = /^\d+$/.test(key) ? m[Number(key)] : m.groups?.[key];
    return v ?? "";
  });
}

function reFlags(kw: Record<string, unknown>, global: boolean): string {
  return `${global ? "g" : ""}${kw.ignorecase === true ? "i" : ""}${kw.multiline === true ? "m" : ""}`;
}

/** `regex_replace(pattern, replacement, ignorecase=False, multiline=False, count=0)`. */
export function regexReplace(value: unknown, ...rest: unknown[]): string {
  const { args, kw } = splitKeywords(rest);
  const [pattern, repl = ""] = args as [string, string?];
  const count = Number(kw.count ?? args[2] ?? 0);
  let n = 0;
  return String(value).replace(pyRegex(String(pattern), reFlags(kw, true)), (...m) => {
    if (count > 0 && n >= count) return m[0] as string;
    n++;
    const groups = typeof m[m.length - 1] === "object" ? (m[m.length - 1] as Record<string, string>) : undefined;
    const arr = m.slice(0, typeof m[m.length - 1] === "object" ? -3 : -2) as unknown as RegExpMatchArray;
    arr.groups = groups;
    return expandReplacement(String(repl), arr);
  });
}

/** `regex_search(pattern, *groups)`: the match (or the listed groups as a list); None without a match. */
export function regexSearch(value: unknown, ...rest: unknown[]): unknown {
  const { args, kw } = splitKeywords(rest);
  const [pattern, ...groups] = args as string[];
  const m = pyRegex(String(pattern), reFlags(kw, false)).exec(String(value));
  if (m === null) return null;
  if (groups.length === 0) return m[0];
  return groups.map((g) => {
    const named = /^\\g<([^>]+)>$/.exec(g);
    const num = /^\\(\d+)$/.exec(g);
    if (named) return /^\d+$/.test(named[1]) ? m[Number(named[1])] : m.groups?.[named[1]];
    if (num) return m[Number(num[1])];
    throw new Error(`regex_search: unknown group argument ${g}`);
  });
}

function isDict(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>, recursive: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = recursive && isDict(out[k]) && isDict(v) ? merge(out[k] as Record<string, unknown>, v, true) : v;
  return out;
}

/** `combine(*dicts, recursive=False)`: later dictionaries win. */
export function combine(value: unknown, ...rest: unknown[]): Record<string, unknown> {
  const { args, kw } = splitKeywords(rest);
  if (kw.list_merge !== undefined && kw.list_merge !== "replace") throw new Error("combine: only list_merge='replace' is supported");
  let out = isDict(value) ? value : {};
  for (const d of args.flatMap((a) => (Array.isArray(a) ? a : [a]))) {
    if (!isDict(d)) throw new Error(`combine: expects dictionaries, got ${JSON.stringify(d)}`);
    out = merge(out, d, kw.recursive === true);
  }
  return out;
}

export function dict2items(value: unknown, ...rest: unknown[]): { [k: string]: unknown }[] {
  const { kw } = splitKeywords(rest);
  if (!isDict(value)) throw new Error("dict2items requires a dictionary");
  const key = String(kw.key_name ?? "key");
  const val = String(kw.value_name ?? "value");
  return Object.entries(value).map(([k, v]) => ({ [key]: k, [val]: v }));
}

export function items2dict(value: unknown, ...rest: unknown[]): Record<string, unknown> {
  const { kw } = splitKeywords(rest);
  if (!Array.isArray(value)) throw new Error("items2dict requires a list");
  const key = String(kw.key_name ?? "key");
  const val = String(kw.value_name ?? "value");
  return Object.fromEntries(value.map((item) => [String((item as Record<string, unknown>)[key]), (item as Record<string, unknown>)[val]]));
}

/** Jinja's `int(default=0, base=10)`: a number, else the default. */
export function toInt(value: unknown, ...rest: unknown[]): number {
  const { args, kw } = splitKeywords(rest);
  const dflt = Number(kw.default ?? args[0] ?? 0);
  const base = Number(kw.base ?? args[1] ?? 10);
  if (typeof value === "number") return Math.trunc(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  const s = String(value).trim().replace(/_/g, "");
  const n = base === 10 ? Number(s) : parseInt(s, base);
  return s === "" || Number.isNaN(n) ? dflt : Math.trunc(n);
}

/** shlex.quote. */
export function shellQuoteWord(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value);
  if (s === "") return "''";
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isDict(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

/** `to_nice_json(indent=4, sort_keys=True)`: json.dumps with separators "," and ": ". */
export function toNiceJson(value: unknown, ...rest: unknown[]): string {
  const { args, kw } = splitKeywords(rest);
  const indent = Number(kw.indent ?? args[0] ?? 4);
  const sorted = kw.sort_keys === false ? value : sortKeys(value);
  return JSON.stringify(sorted, null, indent).replace(/[^\x20-\x7e\n]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function toJson(value: unknown): string {
  return ansibleToJson(value);
}

export function fromJson(value: unknown): unknown {
  return JSON.parse(String(value));
}

export function fromYaml(value: unknown): unknown {
  return parseYaml(String(value)) ?? null;
}

/** `to_yaml(indent=2, default_flow_style=None)`. */
export function toYaml(value: unknown, ...rest: unknown[]): string {
  const { kw } = splitKeywords(rest);
  return toYamlText(value, { flow: kw.default_flow_style === false ? false : null, indent: Number(kw.indent ?? 2) });
}

/** `to_nice_yaml(indent=4)`: block style throughout. */
export function toNiceYaml(value: unknown, ...rest: unknown[]): string {
  const { args, kw } = splitKeywords(rest);
  return toYamlText(value, { flow: false, indent: Number(kw.indent ?? args[0] ?? 4) });
}

/** `ternary(true_val, false_val, none_val=None)`. */
export function ternary(value: unknown, ...rest: unknown[]): unknown {
  const { args, kw } = splitKeywords(rest);
  const [whenTrue, whenFalse, whenNone] = [kw.true_val ?? args[0], kw.false_val ?? args[1], kw.none_val ?? args[2]];
  if (value === null && whenNone !== undefined) return whenNone;
  return truthy(value) ? whenTrue : whenFalse;
}

/** Python's truth of a value. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return Boolean(v);
}

function asList(v: unknown, filter: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return [...v];
  if (isDict(v)) return Object.keys(v);
  throw new Error(`${filter} expects a list, got ${JSON.stringify(v)}`);
}

/** Python's == on plain data (1 == 1.0, True == 1 are ignored: inventories compare names and addresses). */
function same(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

/** `unique`: the first of equal items, in order. */
export function unique(value: unknown): unknown[] {
  const out: unknown[] = [];
  for (const x of asList(value, "unique")) if (!out.some((y) => same(x, y))) out.push(x);
  return out;
}

const has = (list: unknown[], x: unknown): boolean => list.some((y) => same(x, y));

export function union(a: unknown, b: unknown): unknown[] {
  return unique([...asList(a, "union"), ...asList(b, "union")]);
}

export function intersect(a: unknown, b: unknown): unknown[] {
  const other = asList(b, "intersect");
  return unique(asList(a, "intersect").filter((x) => has(other, x)));
}

export function difference(a: unknown, b: unknown): unknown[] {
  const other = asList(b, "difference");
  return unique(asList(a, "difference").filter((x) => !has(other, x)));
}

export function symmetricDifference(a: unknown, b: unknown): unknown[] {
  const both = intersect(a, b);
  return union(a, b).filter((x) => !has(both, x));
}

/** `flatten(levels=None, skip_nulls=True)`. */
export function flatten(value: unknown, ...rest: unknown[]): unknown[] {
  const { args, kw } = splitKeywords(rest);
  const levels = kw.levels ?? args[0] ?? null;
  const skipNulls = (kw.skip_nulls ?? args[1] ?? true) !== false;
  const walk = (list: unknown[], depth: number): unknown[] =>
    list.flatMap((x) => {
      if (skipNulls && (x === null || x === "None")) return [];
      if (Array.isArray(x) && (levels === null || depth < Number(levels))) return walk(x, depth + 1);
      return [x];
    });
  return walk(asList(value, "flatten"), 0);
}

/** `key | extract(container, morekeys=None)`: container[key], then each of morekeys in turn. */
export function extract(key: unknown, container: unknown, morekeys?: unknown): unknown {
  const keys = [key, ...(morekeys === undefined || morekeys === null ? [] : Array.isArray(morekeys) ? morekeys : [morekeys])];
  let cur: unknown = container;
  for (const k of keys) {
    if (cur === null || typeof cur !== "object") throw new Error(`extract: no item ${JSON.stringify(k)} in ${JSON.stringify(cur)}`);
    cur = (cur as Record<string, unknown>)[String(k)];
  }
  return cur;
}

/** `json_query(expr)`: a JMESPath query, as Ansible's (community.general) filter. */
export function jsonQuery(value: unknown, expr: unknown): unknown {
  return jmespathSearch(value, String(expr)) as unknown;
}
