// YAML text as Ansible's `to_yaml` / `to_nice_yaml` write it (PyYAML's dump: keys sorted, a collection of
// scalars in flow style for to_yaml, block style with indent 4 for to_nice_yaml, strings quoted only when
// they would read back as something else). A string spanning lines is written double-quoted, where PyYAML
// folds it in single quotes: the same value, other text.

const YAML11_SPECIAL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|0x[0-9a-fA-F_]+|0o?[0-7_]+|[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.\d*)?|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?|=|<<)$/;

function plainOk(s: string, flow: boolean): boolean {
  if (s === "" || YAML11_SPECIAL.test(s)) return false;
  if (/^\s|\s$/.test(s)) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(s) && !/^[-?:][^\s]/.test(s)) return false;
  if (/^[-?:]$/.test(s)) return false;
  if (/: |:$| #|\n/.test(s) || [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return false;
  if (flow && /[,[\]{}]/.test(s)) return false;
  return true;
}

function scalar(v: unknown, flow: boolean): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? ".nan" : v > 0 ? ".inf" : "-.inf";
  const s = String(v);
  if (plainOk(s, flow)) return s;
  if (s.includes("\n")) return JSON.stringify(s);
  return `'${s.replace(/'/g, "''")}'`;
}

function isColl(v: unknown): v is unknown[] | Record<string, unknown> {
  return v !== null && typeof v === "object";
}

function entries(v: unknown[] | Record<string, unknown>): [string | null, unknown][] {
  if (Array.isArray(v)) return v.map((x) => [null, x]);
  return Object.keys(v)
    .sort()
    .map((k) => [k, v[k]]);
}

function flowText(v: unknown): string {
  if (!isColl(v)) return scalar(v, true);
  const items = entries(v).map(([k, x]) => (k === null ? flowText(x) : `${scalar(k, true)}: ${flowText(x)}`));
  return Array.isArray(v) ? `[${items.join(", ")}]` : `{${items.join(", ")}}`;
}

interface Style {
  /** null: flow for collections of scalars only (to_yaml); false: always block (to_nice_yaml). */
  readonly flow: null | false;
  readonly indent: number;
}

function useFlow(v: unknown[] | Record<string, unknown>, style: Style): boolean {
  if (entries(v).length === 0) return true;
  return style.flow === null && entries(v).every(([, x]) => !isColl(x));
}

/** Lines of a block collection at column `col`. */
function block(v: unknown[] | Record<string, unknown>, col: number, style: Style): string[] {
  const pad = " ".repeat(col);
  const out: string[] = [];
  for (const [k, x] of entries(v)) {
    if (k === null) {
      if (isColl(x) && !useFlow(x, style)) {
        const inner = block(x, col + style.indent, style);
        const first = inner[0].slice(col + style.indent);
        out.push(`${pad}-${" ".repeat(style.indent - 1)}${first}`, ...inner.slice(1));
      } else out.push(`${pad}- ${isColl(x) ? flowText(x) : scalar(x, false)}`);
    } else if (isColl(x) && !useFlow(x, style)) {
      out.push(`${pad}${scalar(k, false)}:`, ...block(x, Array.isArray(x) ? col : col + style.indent, style));
    } else out.push(`${pad}${scalar(k, false)}: ${isColl(x) ? flowText(x) : scalar(x, false)}`);
  }
  return out;
}

export function toYamlText(value: unknown, style: Style): string {
  if (!isColl(value)) return `${scalar(value, false)}\n...\n`;
  if (useFlow(value, style)) return `${flowText(value)}\n`;
  return `${block(value, 0, style).join("\n")}\n`;
}
