// The site's generated secrets: one @pulumi/random password per `lookup('password', …)` of the inventory,
// plus the registry password every site has. Their values live only in the state, encrypted as secrets.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { SecretSpec } from "../src/inventory/model";
import { reportSecret } from "./secret-report";

/** hive-builder's registry password: 15 letters and digits, shared with every lookup of `registry_password`. */
export const REGISTRY_PASSWORD: SecretSpec = { name: "registry_password", length: 15, chars: ["ascii_letters", "digits"] };

/** The specs to realise: the inventory's, with the registry password added when no lookup names it. */
export function secretSpecs(specs: readonly SecretSpec[]): SecretSpec[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  if (!byName.has(REGISTRY_PASSWORD.name)) byName.set(REGISTRY_PASSWORD.name, REGISTRY_PASSWORD);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * RandomPassword arguments for a spec; Ansible's character classes map onto random's switches
 * (`ascii_letters` = upper + lower, `punctuation` = special). No class given means Ansible's default:
 * letters, digits and `.,:-_`.
 */
export function randomPasswordArgs(spec: SecretSpec): random.RandomPasswordArgs {
  const chars = new Set(spec.chars);
  if (chars.size === 0) return { length: spec.length, upper: true, lower: true, numeric: true, special: true, overrideSpecial: ".,:-_" };
  const letters = chars.has("ascii_letters");
  const hex = chars.has("hexdigits");
  const otherThanDigits = letters || chars.has("ascii_lowercase") || chars.has("ascii_uppercase") || chars.has("punctuation");
  // random has no character-set argument, but its special set can be replaced: hex digits are digits + a-f.
  if (hex && !otherThanDigits) return { length: spec.length, upper: false, lower: false, numeric: true, special: true, overrideSpecial: "abcdef" };
  return {
    length: spec.length,
    upper: letters || chars.has("ascii_uppercase") || hex,
    lower: letters || chars.has("ascii_lowercase") || hex,
    numeric: chars.has("digits") || hex,
    special: chars.has("punctuation"),
  };
}

export interface SiteSecretsArgs {
  readonly specs: readonly SecretSpec[];
}

export class SiteSecrets extends pulumi.ComponentResource {
  /** Secret values by SecretSpec name. */
  public readonly values: Readonly<Record<string, pulumi.Output<string>>>;
  public readonly registryPassword: pulumi.Output<string>;

  constructor(name: string, args: SiteSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:site:Secrets", name, {}, opts);
    const values: Record<string, pulumi.Output<string>> = {};
    for (const spec of secretSpecs(args.specs)) {
      const password = new random.RandomPassword(`${name}-${spec.name}`, randomPasswordArgs(spec), { parent: this });
      values[spec.name] = pulumi.secret(password.result);
      reportSecret(password.result);
    }
    this.values = values;
    this.registryPassword = values[REGISTRY_PASSWORD.name];
    this.registerOutputs({});
  }
}
