// Jinja expressions in inventory values, evaluated with nunjucks and hive's globals.
//
// Variables are evaluated lazily (a variable is evaluated when a template uses it) with cycle detection. An
// undefined variable is an error, never an empty string: names that are not defined resolve to a marker that
// throws when it is printed or combined, but that `default(...)` and `is defined` understand.
// Secrets from `lookup('password', …)` travel through templates as tokens and become SecretString values.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, isAbsolute, join, resolve } from "node:path";
import nunjucks from "nunjucks";
import type { SecretSpec, SecretString, SourcePos, Value } from "./model";
import { didYouMean } from "./errors";
import * as F from "./ansible-filters";
import { ipaddr, ipmath, ipwrap, nthhost } from "./ansible-ipaddr";
import { hashText, passwordHash } from "./ansible-crypt";

/** Ansible's `omit`: a value equal to it removes the key that holds it. */
export const OMIT = "__omit_place_holder__hive";
const SECRET_OPEN = "\uE000hive-secret:";
const SECRET_CLOSE = "\uE001";
const SECRET_RE = /\uE000hive-secret:([^\uE001]*)\uE001/g;
/** The characters that open and close a secret token inside an evaluated string. */
export const SECRET_MARKS = /[\uE000\uE001]/;

/** An expression could not be evaluated; `pos` is set when the failing expression is in another value. */
export class TemplateEvalError extends Error {
  pos: SourcePos | null;
  constructor(message: string, pos: SourcePos | null = null) {
    super(message);
    this.pos = pos;
  }
}

// nunjucks wraps errors thrown inside a template without keeping them; the last one hive threw is kept here.
let lastFailure: Error | null = null;
function fail<E extends Error>(err: E): E {
  lastFailure = err;
  return err;
}

class StrictUndefined {
  constructor(readonly varName: string) {
    // An attribute of an undefined value is undefined for the same reason (`hostvars[h].ansible_facts.x`).
    return new Proxy(this, { get: (t, k, r) => (typeof k === "string" && !(k in t) ? r : Reflect.get(t, k, r)) });
  }
  [Symbol.toPrimitive](): never {
    throw fail(new UndefinedUse(this.varName));
  }
}

/** The value of a variable that is not defined (an error when used, false for `is defined`). */
export function undefinedVariable(name: string): unknown {
  return new StrictUndefined(name);
}

/** A filter refused its input; reported with the expression it is in. */
class FilterFailure extends Error {}

class UndefinedUse extends Error {
  constructor(readonly varName: string) {
    super(`undefined variable "${varName}"`);
  }
}

export interface VarDef {
  readonly raw: unknown;
  readonly pos: SourcePos | null;
}

/** A set of variables (group_vars layers, stack config vars, built-ins) visible to a template. */
export class Scope {
  private readonly values = new Map<string, unknown>();
  private readonly busy: string[] = [];
  constructor(
    private readonly engine: TemplateEngine,
    private readonly defs: ReadonlyMap<string, VarDef>,
    private readonly builtins: Readonly<Record<string, unknown>>,
  ) {}

  has(name: string): boolean {
    return this.defs.has(name) || Object.prototype.hasOwnProperty.call(this.builtins, name);
  }

  names(): string[] {
    return [...new Set([...Object.keys(this.builtins), ...this.defs.keys()])].sort();
  }

  /** The evaluated value of a variable (secret tokens still embedded). */
  get(name: string): unknown {
    if (this.values.has(name)) return this.values.get(name);
    const def = this.defs.get(name);
    if (!def) {
      if (Object.prototype.hasOwnProperty.call(this.builtins, name)) return this.builtins[name];
      return new StrictUndefined(name);
    }
    if (this.busy.includes(name)) {
      const chain = [...this.busy.slice(this.busy.indexOf(name)), name].join(" → ");
      throw fail(new TemplateEvalError(`variable "${name}" refers to itself (${chain})`, def.pos));
    }
    this.busy.push(name);
    try {
      const value = this.engine.evaluate(def.raw, this);
      this.values.set(name, value);
      return value;
    } catch (err) {
      if (err instanceof TemplateEvalError && err.pos === null && def.pos) {
        throw fail(new TemplateEvalError(`in variable "${name}": ${err.message}`, def.pos));
      }
      throw err;
    } finally {
      this.busy.pop();
    }
  }
}

const DEFAULT_PASSWORD_CHARS = ["ascii_letters", "digits", ".,:-_"];

/** The network filters of ansible.utils. */
export const IP_FILTERS = new Set(["ipaddr", "ipv4", "ipv6", "ipwrap", "nthhost", "ipmath"]);
/**
 * Filters that compute from the text of their input: a secret (known only at deploy time, a placeholder until
 * then) cannot go through them. The others move values around whole and keep a secret a secret.
 */
const READS_CONTENT = new Set([
  "hash", "md5", "sha1", "checksum", "password_hash", "b64encode", "b64decode", "from_json", "from_yaml", "regex_replace",
  "regex_search", "json_query", "int", "bool", "dirname", "basename", ...IP_FILTERS,
]);

export interface EngineOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative `lookup('file', …)` paths are resolved from here. */
  readonly baseDir: string;
}

function isTemplate(s: string): boolean {
  return s.includes("{{") || s.includes("{%");
}

const SINGLE_EXPRESSION = /^\{\{((?:(?!\{\{|\}\}|\{%).)*)\}\}$/s;

/** Engines rendering right now (innermost last): the shared environment's globals resolve through it. */
const active: TemplateEngine[] = [];
let sharedEnv: nunjucks.Environment | null = null;
const compiled = new Map<string, nunjucks.Template>();

/** Ansible's magic variables of a play, which an inventory evaluated before any play cannot have. */
const PLAY_MAGIC = new Set(["play_hosts", "ansible_play_hosts", "ansible_play_hosts_all", "ansible_play_batch", "ansible_play_name", "role_path", "role_name", "inventory_file", "ansible_check_mode"]);

/**
 * Why an undefined Ansible variable cannot be had where hive evaluates a value (null for other names). Facts are
 * gathered from a running server by a play; hive evaluates what it needs itself (servers, services, volumes)
 * before any server runs, so they are not there. A value only roles use is left to Ansible, which has them.
 */
export function factMessage(name: string): string | null {
  if (PLAY_MAGIC.has(name)) return `"${name}" is a variable of an Ansible play; hive evaluates this value itself, outside any play (roles, which Ansible runs, may use it)`;
  if (name !== "ansible_facts" && !name.startsWith("ansible_")) return null;
  const instead = /ipv4|ipv6|address|default_ip/.test(name) ? " (the server's address in the inventory is hive_private_ip)" : /hostname|fqdn|nodename/.test(name) ? " (a server's ansible_hostname is known: hive sets it; its name is inventory_hostname)" : "";
  return `"${name}" is an Ansible fact, gathered from a running server; hive evaluates this value itself before any server runs, so it has no facts${instead}; roles, which Ansible runs, may use facts`;
}

/**
 * JSON text escapes the characters that mark a secret (as json.dumps does any non-ASCII character), which would
 * turn the secret into plain text: the marks are put back so the secret is substituted into the JSON at deploy.
 */
function keepSecretTokens(json: string): string {
  return json.replace(/\\ue000(hive-secret:[^\\]*?)\\ue001/g, `\uE000$1\uE001`);
}

/** `query(…)` is `lookup(…)` as a list. */
function asQuery(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

function isUndef(v: unknown): boolean {
  return v === undefined || v instanceof StrictUndefined;
}

/** One nunjucks environment for every engine, so a template string is compiled once per process. */
function environment(): nunjucks.Environment {
  if (sharedEnv) return sharedEnv;
  const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });
  const builtinGlobals = (env as unknown as { globals: Record<string, unknown> }).globals;
  const special: Record<string, unknown> = {
    omit: OMIT,
    True: true,
    False: false,
    None: null,
    lookup: (kind: unknown, ...args: unknown[]) => active[active.length - 1].lookup(kind, args),
    query: (kind: unknown, ...args: unknown[]) => asQuery(active[active.length - 1].lookup(kind, args)),
    q: (kind: unknown, ...args: unknown[]) => asQuery(active[active.length - 1].lookup(kind, args)),
    __hive_capture: (value: unknown) => {
      active[active.length - 1].capture(value);
      return "";
    },
  };
  (env as unknown as { globals: unknown }).globals = new Proxy(
    {},
    {
      has: () => true,
      get: (_target, name) => {
        if (typeof name !== "string") return undefined;
        if (Object.prototype.hasOwnProperty.call(special, name)) return special[name];
        const scope = active[active.length - 1]?.currentScope();
        if (scope && scope.has(name)) return scope.get(name);
        if (Object.prototype.hasOwnProperty.call(builtinGlobals, name)) return builtinGlobals[name];
        return new StrictUndefined(name);
      },
    },
  );
  const dflt = (v: unknown, d: unknown = "", bool = false): unknown => (isUndef(v) || (bool && !v) ? d : v);
  env.addFilter("default", dflt);
  env.addFilter("d", dflt);
  // addTest exists in nunjucks 3 but is missing from its type definitions.
  const tests = env as unknown as { addTest(name: string, fn: (v: unknown, ...args: unknown[]) => boolean): void };
  tests.addTest("defined", (v: unknown) => !isUndef(v));
  tests.addTest("undefined", (v: unknown) => isUndef(v));
  tests.addTest("none", (v: unknown) => v === null);
  env.addFilter("bool", (v: unknown) =>
    typeof v === "string" ? ["yes", "true", "on", "1"].includes(v.toLowerCase()) : Boolean(v),
  );
  // Ansible's filters with Python's semantics (ansible-filters.ts).
  const wrap =
    (name: string, fn: (v: unknown, ...a: unknown[]) => unknown) =>
    (v: unknown, ...a: unknown[]) => {
      if (v instanceof StrictUndefined) throw fail(new UndefinedUse(v.varName));
      const undef = a.find((x): x is StrictUndefined => x instanceof StrictUndefined);
      if (undef) throw fail(new UndefinedUse(undef.varName));
      if (READS_CONTENT.has(name) && (hasSecret(v) || a.some(hasSecret))) {
        throw fail(new FilterFailure(`filter ${name} cannot be applied to a secret: lookup('password', …) is generated when the site is deployed, after hive evaluated this value`));
      }
      try {
        return fn(v, ...a);
      } catch (err) {
        if (err instanceof UndefinedUse || err instanceof TemplateEvalError) throw err;
        throw fail(new FilterFailure(`filter ${name}: ${err instanceof Error ? err.message : String(err)}`));
      }
    };
  const filters: Record<string, (v: unknown, ...a: unknown[]) => unknown> = {
    to_json: (v) => keepSecretTokens(F.toJson(v)),
    to_nice_json: (v, ...rest) => keepSecretTokens(F.toNiceJson(v, ...rest)),
    from_json: F.fromJson,
    from_yaml: F.fromYaml,
    to_yaml: F.toYaml,
    to_nice_yaml: F.toNiceYaml,
    regex_replace: F.regexReplace,
    regex_search: F.regexSearch,
    combine: F.combine,
    dict2items: F.dict2items,
    items2dict: F.items2dict,
    int: F.toInt,
    quote: F.shellQuoteWord,
    dirname: (v) => F.pyDirname(String(v)),
    basename: (v) => F.pyBasename(String(v)),
    b64encode: (v) => Buffer.from(String(v)).toString("base64"),
    b64decode: (v) => Buffer.from(String(v), "base64").toString("utf8"),
    ternary: F.ternary,
    unique: F.unique,
    union: F.union,
    intersect: F.intersect,
    difference: F.difference,
    symmetric_difference: F.symmetricDifference,
    flatten: F.flatten,
    extract: F.extract,
    json_query: F.jsonQuery,
    hash: hashText,
    md5: (v) => hashText(v, "md5"),
    sha1: (v) => hashText(v, "sha1"),
    checksum: (v) => hashText(v, "sha1"),
    password_hash: (v, ...rest) => {
      const { args, kw } = F.splitKeywords(rest);
      return passwordHash(v, kw.hashtype ?? args[0], kw.salt ?? args[1], kw.rounds ?? args[3]);
    },
    ipaddr: (v, q) => ipaddr(v, q),
    ipv4: (v, q) => ipaddr(v, q, 4),
    ipv6: (v, q) => ipaddr(v, q, 6),
    ipwrap: (v, q) => ipwrap(v, q),
    nthhost: (v, q) => nthhost(v, q),
    ipmath: (v, n) => ipmath(v, n),
  };
  for (const [name, fn] of Object.entries(filters)) {
    env.addFilter(name, wrap(name, fn));
    // Ansible's fully qualified names: its own filters, the network ones of ansible.utils (ansible.netcommon before).
    const collections = IP_FILTERS.has(name) ? ["ansible.utils", "ansible.netcommon"] : name === "json_query" ? ["community.general"] : ["ansible.builtin"];
    for (const c of collections) env.addFilter(`${c}.${name}`, wrap(name, fn));
  }
  // Jinja's map: `map('filter', args…)` or `map(attribute='a.b', default=…)`.
  env.addFilter(
    "map",
    wrap("map", (v, ...rest) => {
      const { args, kw } = F.splitKeywords(rest);
      const list = Array.isArray(v) ? v : v !== null && typeof v === "object" ? Object.keys(v) : [...String(v)];
      if (typeof kw.attribute === "string") {
        const path = kw.attribute.split(".");
        return list.map((x) => {
          let cur: unknown = x;
          for (const p of path) cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[p] : undefined;
          return cur === undefined ? kw.default : cur;
        });
      }
      const [name, ...fargs] = args as [string, ...unknown[]];
      const filter = env.getFilter(String(name)) as (x: unknown, ...a: unknown[]) => unknown;
      return list.map((x) => filter(x, ...fargs));
    }),
  );
  // Ansible's regular expression tests (Python syntax): match anchors at the start, search anywhere.
  const reTest = (anchor: boolean) => (v: unknown, pattern: unknown, ...rest: unknown[]) => {
    const { kw } = F.splitKeywords(rest);
    const re = F.pyRegex(String(pattern), `${kw.ignorecase === true ? "i" : ""}${kw.multiline === true ? "m" : ""}`);
    const m = re.exec(String(v));
    return m !== null && (!anchor || m.index === 0);
  };
  tests.addTest("match", reTest(true));
  tests.addTest("search", reTest(false));
  tests.addTest("regex", reTest(false));
  env.addFilter("mandatory", (v: unknown) => {
    if (isUndef(v)) throw fail(new UndefinedUse(v instanceof StrictUndefined ? v.varName : "(value)"));
    return v;
  });
  sharedEnv = env;
  return env;
}

/** The lookups hive evaluates itself. */
export const SUPPORTED_LOOKUPS = ["password", "env", "file", "template", "vars", "pipe", "first_found"];

export class TemplateEngine {
  readonly secrets = new Map<string, SecretSpec>();
  private readonly pipeResults = new Map<string, string>();
  private readonly scopes: Scope[] = [];
  private readonly captures: unknown[][] = [];

  constructor(private readonly opts: EngineOptions) {}

  /** The scope of the template being rendered. */
  currentScope(): Scope | undefined {
    return this.scopes[this.scopes.length - 1];
  }

  capture(value: unknown): void {
    this.captures[this.captures.length - 1].push(value);
  }

  /** Evaluates every template string inside `value`; keys whose value is `omit` are removed. */
  evaluate(value: unknown, scope: Scope): unknown {
    if (typeof value === "string") return isTemplate(value) ? this.render(value, scope) : value;
    if (Array.isArray(value)) {
      return value.map((v) => this.evaluate(v, scope)).filter((v) => v !== OMIT);
    }
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const e = this.evaluate(v, scope);
        if (e !== OMIT) out[k] = e;
      }
      return out;
    }
    return value;
  }

  private template(source: string): nunjucks.Template {
    let t = compiled.get(source);
    if (!t) {
      t = new nunjucks.Template(separateClosingBraces(source), environment(), undefined, true);
      compiled.set(source, t);
    }
    return t;
  }

  private render(source: string, scope: Scope): unknown {
    const single = SINGLE_EXPRESSION.exec(separateClosingBraces(source));
    const text = single ? `{{ __hive_capture(${single[1]}) }}` : source;
    active.push(this);
    this.scopes.push(scope);
    this.captures.push([]);
    lastFailure = null;
    let rendered: string;
    let captured: unknown[];
    try {
      if (single) this.template(source);
      rendered = this.template(text).render({});
    } catch (err) {
      throw fail(this.explain(lastFailure ?? err, source, scope));
    } finally {
      captured = this.captures.pop() ?? [];
      this.scopes.pop();
      active.pop();
    }
    if (single) {
      const v = captured[0];
      if (v instanceof StrictUndefined) throw this.undefinedError(v.varName, source, scope);
      if (v === undefined) {
        throw new TemplateEvalError(`cannot evaluate "${source}": the value is missing (a missing key, index or attribute?)`);
      }
      return v;
    }
    if (rendered !== OMIT && rendered.includes(OMIT)) {
      throw new TemplateEvalError(`cannot evaluate "${source}": omit must be the whole value, not a part of it`);
    }
    return rendered;
  }

  private undefinedError(name: string, source: string, scope: Scope): TemplateEvalError {
    const fact = factMessage(name);
    if (fact !== null) return new TemplateEvalError(`cannot evaluate "${source}": ${fact}`);
    const suggestion = didYouMean(name, scope.names());
    const hint = suggestion ? ` (did you mean "${suggestion}"?)` : "; define it in group_vars or stack config hive:vars, or use default(...)";
    return new TemplateEvalError(`cannot evaluate "${source}": undefined variable "${name}"${hint}`);
  }

  private explain(err: unknown, source: string, scope: Scope): Error {
    if (err instanceof TemplateEvalError) return err;
    if (err instanceof UndefinedUse) return this.undefinedError(err.varName, source, scope);
    if (err instanceof FilterFailure) return new TemplateEvalError(`cannot evaluate "${source}": ${err.message}`);
    const raw = err instanceof Error ? err.message : String(err);
    const detail = raw
      .replace(/^Template render error:\s*/, "")
      .replace(/\(unknown path\)\s*/, "")
      .replace(/\[Line \d+, Column \d+\]\s*/, "")
      .replace(/^\s*Error:\s*/m, "")
      .replace(/\s+/g, " ")
      .replace("attempted to output null or undefined value", "a value is missing or null (a missing key, index or attribute, or a variable set to nothing?)")
      .trim();
    const missing = /^(filter|test) not found: (\S+)/.exec(detail);
    if (missing) {
      return new TemplateEvalError(`cannot evaluate "${source}": ${missing[1]} "${missing[2]}" is not supported by hive (docs/inventory.md lists the supported ones)`);
    }
    const hint = detail.startsWith("a value is missing") ? "" : " (check the Jinja expression syntax)";
    return new TemplateEvalError(`cannot evaluate "${source}": ${detail}${hint}`);
  }

  lookup(kind: unknown, args: unknown[]): unknown {
    const undef = args.find((a): a is StrictUndefined => a instanceof StrictUndefined);
    if (undef) throw fail(new UndefinedUse(undef.varName));
    const first = String(args[0] ?? "");
    switch (typeof kind === "string" ? kind.replace(/^ansible\.builtin\./, "") : kind) {
      case "pipe":
        return this.pipe(first);
      case "first_found":
        return this.firstFound(args);
      case "password":
        return this.password(first);
      case "env":
        return this.opts.env[first] ?? "";
      case "file": {
        const path = isAbsolute(first) ? first : resolve(this.opts.baseDir, first);
        try {
          return readFileSync(path, "utf8").replace(/\s+$/, "");
        } catch {
          throw fail(new TemplateEvalError(`lookup('file', '${first}'): cannot read ${path}`));
        }
      }
      case "template": {
        // Ansible renders the file with the variables of the task: here, those of the value being evaluated.
        const path = isAbsolute(first) ? first : resolve(this.opts.baseDir, first);
        let text: string;
        try {
          text = readFileSync(path, "utf8");
        } catch {
          throw fail(new TemplateEvalError(`lookup('template', '${first}'): cannot read ${path}`));
        }
        const rendered = this.evaluate(text, this.scopes[this.scopes.length - 1]);
        return typeof rendered === "string" ? rendered : String(rendered);
      }
      case "vars": {
        const scope = this.scopes[this.scopes.length - 1];
        if (!scope.has(first)) throw fail(new UndefinedUse(first));
        return scope.get(first);
      }
      default:
        throw fail(new TemplateEvalError(`lookup('${String(kind)}', …) is not supported; supported: ${SUPPORTED_LOOKUPS.join(", ")}`));
    }
  }

  /**
   * `lookup('pipe', command)`: as Ansible on its controller, the command runs through the shell on this machine,
   * in the project folder, when the value is evaluated; its output without trailing whitespace is the value. A
   * command runs once per load, however many values use it.
   */
  private pipe(command: string): string {
    if (hasSecret(command)) throw fail(new TemplateEvalError(`lookup('pipe', …): the command cannot use a secret (it is generated when the site is deployed)`));
    let out = this.pipeResults.get(command);
    if (out === undefined) {
      try {
        out = execFileSync("/bin/sh", ["-c", command], { cwd: this.opts.baseDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 }).replace(/\s+$/, "");
      } catch (err) {
        const e = err as { status?: number | null; stderr?: string };
        const why = e.status !== undefined && e.status !== null ? `exited with ${e.status}` : "could not run";
        const stderr = (e.stderr ?? "").trim().split("\n").slice(-1)[0] ?? "";
        throw fail(new TemplateEvalError(`lookup('pipe', '${command}') ${why}${stderr ? `: ${stderr}` : ""}`));
      }
      this.pipeResults.set(command, out);
    }
    return out;
  }

  /**
   * `lookup('first_found', …)`: the path of the first file that exists. Terms are file names or paths, lists of
   * them, or `{files, paths, skip}`; a relative name is looked for in the project folder's `files/`, then in the
   * project folder (Ansible's search path for an inventory). Nothing found is an error, or [] with `skip`.
   */
  private firstFound(args: unknown[]): unknown {
    const { args: terms, kw } = F.splitKeywords(args);
    const split = (v: unknown, seps: RegExp): string[] =>
      (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).flatMap((x) => (Array.isArray(x) ? split(x, seps) : String(x).split(seps))).map((x) => x.trim()).filter((x) => x !== "");
    let skip = kw.skip === true;
    const candidates: string[] = [];
    const add = (files: string[], paths: string[]) => {
      for (const f of files) {
        if (paths.length === 0) candidates.push(f);
        else for (const p of paths) candidates.push(join(p, f));
      }
    };
    const walk = (term: unknown): void => {
      if (Array.isArray(term)) term.forEach(walk);
      else if (term !== null && typeof term === "object") {
        const t = term as Record<string, unknown>;
        if (t.skip === true) skip = true;
        add(split(t.files, /[,;]/), split(t.paths, /[,:;]/));
      } else add([String(term)], split(kw.paths, /[,:;]/));
    };
    walk(terms);
    if (kw.files !== undefined) add(split(kw.files, /[,;]/), split(kw.paths, /[,:;]/));
    for (const c of candidates) {
      const tries = isAbsolute(c) ? [c] : [resolve(this.opts.baseDir, "files", c), resolve(this.opts.baseDir, c)];
      const found = tries.find((p) => existsSync(p) && statSync(p).isFile());
      if (found !== undefined) return found;
    }
    if (skip) return [];
    throw fail(new TemplateEvalError(`lookup('first_found', …): none of ${candidates.map((c) => `"${c}"`).join(", ")} was found (relative names are looked for in files/ and in ${this.opts.baseDir})`));
  }

  /** `lookup('password', '<path> length=N chars=a,b')`: a secret named after the path's basename. */
  private password(term: string): string {
    const [path, ...options] = term.trim().split(/\s+/);
    const name = basename(path);
    let length = 20;
    let chars = DEFAULT_PASSWORD_CHARS;
    for (const opt of options) {
      const eq = opt.indexOf("=");
      const key = eq < 0 ? opt : opt.slice(0, eq);
      const val = eq < 0 ? "" : opt.slice(eq + 1);
      if (key === "length") {
        length = Number(val);
        if (!Number.isInteger(length) || length < 1) {
          throw fail(new TemplateEvalError(`lookup('password', …): length must be a positive integer, got "${val}"`));
        }
      } else if (key === "chars") {
        chars = val.split(",").filter((c) => c !== "");
      } else if (!["encrypt", "ident", "seed"].includes(key)) {
        throw fail(new TemplateEvalError(`lookup('password', …): unknown option "${key}"; allowed: length, chars`));
      }
    }
    if (name === "" || name.includes(SECRET_CLOSE)) {
      throw fail(new TemplateEvalError(`lookup('password', …): the path "${path}" has no file name`));
    }
    if (!this.secrets.has(name)) this.secrets.set(name, { name, length, chars });
    return `${SECRET_OPEN}${name}${SECRET_CLOSE}`;
  }
}

/**
 * Jinja ends an expression at the `}}` that closes it, counting the braces of dictionaries inside; nunjucks ends
 * it at the first `}}`, so `{{ x | combine({'a': {'b': 1}}) }}` (as the Ansible documentation writes it) would
 * break. A space between two closing braces of dictionaries keeps the meaning and nunjucks' lexer happy.
 */
export function separateClosingBraces(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const open = source.startsWith("{{", i) ? "}}" : source.startsWith("{%", i) ? "%}" : null;
    if (open === null) {
      out += source[i++];
      continue;
    }
    out += source.slice(i, i + 2);
    i += 2;
    let depth = 0;
    let quote: string | null = null;
    while (i < source.length) {
      const c = source[i];
      if (quote !== null) {
        out += c;
        if (c === "\\" && i + 1 < source.length) out += source[++i];
        else if (c === quote) quote = null;
        i++;
        continue;
      }
      if (depth === 0 && source.startsWith(open, i)) break;
      if (c === "'" || c === '"') quote = c;
      else if (c === "{") depth++;
      else if (c === "}" && depth > 0) {
        depth--;
        out += c;
        i++;
        if (source[i] === "}") out += " ";
        continue;
      }
      out += c;
      i++;
    }
    if (i < source.length) {
      out += open;
      i += 2;
    }
  }
  return out;
}

export function isSecretString(v: unknown): v is SecretString {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "secret" && Array.isArray((v as { parts?: unknown }).parts);
}

/** Turns evaluated values into model Values: strings carrying secret tokens become SecretString. */
export function toValue(v: unknown): Value {
  if (typeof v === "string") {
    if (!v.includes(SECRET_OPEN)) return v;
    const parts: (string | { secret: string })[] = [];
    let last = 0;
    for (const m of v.matchAll(SECRET_RE)) {
      if (m.index > last) parts.push(v.slice(last, m.index));
      parts.push({ secret: m[1] });
      last = m.index + m[0].length;
    }
    if (last < v.length) parts.push(v.slice(last));
    return { kind: "secret", parts };
  }
  if (typeof v === "number" || typeof v === "boolean" || v === null) return v;
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(toValue);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") {
    if (isSecretString(v)) return v;
    const out: Record<string, Value> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toValue(x);
    return out;
  }
  return String(v);
}

/** True when an evaluated value (or anything inside it) carries a secret. */
export function hasSecret(v: unknown): boolean {
  if (typeof v === "string") return v.includes(SECRET_OPEN);
  if (Array.isArray(v)) return v.some(hasSecret);
  if (v !== null && typeof v === "object") return isSecretString(v) || Object.values(v).some(hasSecret);
  return false;
}
