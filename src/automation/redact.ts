// Keeping secret values out of everything the layer hands upwards: outputs and engine text.
import type { PublicOutputs } from "./types";

export const SECRET_MASK = "[secret]";

/** Values shorter than this are not redacted: masking "a" or "1" everywhere would destroy the text. */
export const MIN_SECRET_LENGTH = 4;

export interface OutputLike {
  value: unknown;
  secret: boolean;
}

/** Outputs with every secret output replaced by the mask. */
export function publicOutputs(outputs: Record<string, OutputLike>): PublicOutputs {
  const out: PublicOutputs = {};
  for (const name of Object.keys(outputs).sort()) {
    out[name] = outputs[name].secret ? SECRET_MASK : outputs[name].value;
  }
  return out;
}

/** The string leaves of a value (secret outputs may be objects holding several secrets). */
export function stringLeaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value === "number" || typeof value === "boolean") return [String(value)];
  if (Array.isArray(value)) return value.flatMap(stringLeaves);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(stringLeaves);
  return [];
}

export interface Redactor {
  <T>(value: T): T;
  /** Masks these values too from now on. */
  add(secrets: Iterable<string>): void;
}

/**
 * A function that replaces every occurrence of the given secret values in a string, or in the string
 * leaves of a JSON-like value, by the mask. Longer secrets are replaced first so that a secret
 * containing another is masked whole.
 */
export function createRedactor(secrets: Iterable<string> = []): Redactor {
  let values: string[] = [];
  const add = (more: Iterable<string>) => {
    values = [...new Set([...values, ...[...more].filter((s) => s.length >= MIN_SECRET_LENGTH)])].sort((a, b) => b.length - a.length);
  };
  add(secrets);
  const redactString = (text: string): string => {
    let out = text;
    for (const secret of values) if (out.includes(secret)) out = out.split(secret).join(SECRET_MASK);
    return out;
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return redactString(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v);
      return out;
    }
    return value;
  };
  return Object.assign(<T>(value: T): T => (values.length === 0 ? value : (walk(value) as T)), { add });
}
