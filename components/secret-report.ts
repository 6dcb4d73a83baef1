// The program's side of src/automation/secret-channel.ts: every secret value the program learns goes to the
// runner before the engine can print it. Call these where a secret enters the program: the stack config at
// the start, the previous update's outputs, and each resource that makes one (passwords, keys, tokens).
import * as pulumi from "@pulumi/pulumi";
import { stringLeaves } from "../src/automation/redact";
import { reportSecrets } from "../src/automation/secret-channel";

/**
 * Hands the value to the runner once it is known (never during a preview, where a new one is unknown);
 * returns the value itself.
 */
export function reportSecret<T>(value: pulumi.Output<T>): pulumi.Output<T> {
  // Attached when the value's resource is made, before any resource that uses the value: so it is written
  // as soon as the value arrives, before that other resource's inputs go to the engine.
  // Trimmed as well: a value printed by a command (a token) is used without its final newline.
  value.apply((v) => reportSecrets(stringLeaves(v).flatMap((s) => [s, s.trim()])));
  return value;
}

/** The string leaves of a config value: the text itself and, when it is JSON, what it holds. */
function configLeaves(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object") return [text, ...stringLeaves(parsed)];
  } catch {
    // Plain text.
  }
  return [text];
}

/** The stack's secret config values (any namespace), from what the language host gave the program. */
export function configSecrets(config: Record<string, string> = pulumi.runtime.allConfig(), env: NodeJS.ProcessEnv = process.env): string[] {
  let keys: unknown;
  try {
    keys = JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
  } catch {
    keys = [];
  }
  if (!Array.isArray(keys)) return [];
  // Older language hosts spell keys `ns:config:key`; the runtime's map has `ns:key`.
  const names = new Set(keys.filter((k): k is string => typeof k === "string").map((k) => k.replace(/^([^:]+):config:/, "$1:")));
  return Object.entries(config)
    .filter(([k]) => names.has(k))
    .flatMap(([, v]) => configLeaves(v));
}
