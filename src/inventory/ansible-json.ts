// JSON text as Ansible's `to_json` filter writes it (Python's json.dumps with its defaults): ", " and ": "
// between items, keys in their written order, every character outside printable ASCII escaped as \uXXXX.
// hive-builder encoded non-string service labels with `to_json`; writing the same text lets hive take over a
// site it deployed without changing (and so restarting) its services.

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

function hex4(code: number): string {
  return `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * A string literal with Python's ensure_ascii escaping. `keep` characters are written as they are: hive's
 * secret markers (private-use characters) must survive so that the secrets inside can be found again.
 */
function quote(s: string, keep: RegExp | null): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (SHORT_ESCAPES[ch] !== undefined) out += SHORT_ESCAPES[ch];
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else if (keep !== null && keep.test(ch)) out += ch;
    else if (code > 0xffff) {
      const v = code - 0x10000;
      out += hex4(0xd800 + (v >> 10)) + hex4(0xdc00 + (v & 0x3ff));
    } else out += hex4(code);
  }
  return `${out}"`;
}

function pyFloat(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  return String(n);
}

/** `value | to_json` as Ansible renders it. */
export function ansibleToJson(value: unknown, keep: RegExp | null = null): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return pyFloat(value);
  if (typeof value === "string") return quote(value, keep);
  if (Array.isArray(value)) return `[${value.map((v) => ansibleToJson(v, keep)).join(", ")}]`;
  if (value instanceof Date) return quote(value.toISOString(), keep);
  if (typeof value === "object") {
    const items = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${quote(k, keep)}: ${ansibleToJson(v, keep)}`);
    return `{${items.join(", ")}}`;
  }
  return quote(String(value), keep);
}
