// Resolves nested Pulumi Outputs into plain values for exact comparisons; secret Outputs become `{ secret: value }`.
import * as pulumi from "@pulumi/pulumi";

interface OutputInternals {
  promise(): Promise<unknown>;
  isSecret: Promise<boolean>;
}

export async function resolve(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const o = value as unknown as OutputInternals;
    const inner = await resolve(await o.promise());
    return (await o.isSecret) ? { secret: inner } : inner;
  }
  if (value instanceof Promise) return resolve(await value);
  if (Array.isArray(value)) return Promise.all(value.map(resolve));
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = await resolve(v);
    return out;
  }
  return value;
}
