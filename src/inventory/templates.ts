// Jinja expressions in inventory values, evaluated with nunjucks and hive's globals.
//
// Variables are evaluated lazily (a variable is evaluated when a template uses it) with cycle detection. An
// undefined variable is an error, never an empty string: names that are not defined resolve to a marker that
// throws when it is printed or combined, but that `default(...)` and `is defined` understand.
// Secrets from `lookup('password', …)` travel through templates as tokens and become SecretString values.
import { readFileSync } from "node:fs";
import { basename, isAbsolute, resolve } from "node:path";
import nunjucks from "nunjucks";
import type { SecretSpec, SecretString, SourcePos, Value } from "./model";
import { didYouMean } from "./errors";
import * as F from "./ansible-filters";

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
  constructor(readonly varName: string) {}
  [Symbol.toPrimitive](): never {
    throw fail(new UndefinedUse(this.varName));
  }
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
    query: (kind: unknown, ...args: unknown[]) => [active[active.length - 1].lookup(kind, args)],
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
      try {
        return fn(v, ...a);
      } catch (err) {
        if (err instanceof UndefinedUse || err instanceof TemplateEvalError) throw err;
        throw fail(new FilterFailure(`filter ${name}: ${err instanceof Error ? err.message : String(err)}`));
      }
    };
  const filters: Record<string, (v: unknown, ...a: unknown[]) => unknown> = {
    to_json: F.toJson,
    to_nice_json: F.toNiceJson,
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
  };
  for (const [name, fn] of Object.entries(filters)) env.addFilter(name, wrap(name, fn));
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

export class TemplateEngine {
  readonly secrets = new Map<string, SecretSpec>();
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
    const first = args[0] instanceof StrictUndefined ? args[0] : String(args[0] ?? "");
    if (first instanceof StrictUndefined) throw fail(new UndefinedUse(first.varName));
    switch (kind) {
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
        throw fail(new TemplateEvalError(`lookup('${String(kind)}', …) is not supported; supported: password, env, file, template, vars`));
    }
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
