// Turning model Values into Pulumi inputs: SecretStrings become secret Outputs, everything else a plain string.
import * as pulumi from "@pulumi/pulumi";
import type { SecretString, Site, Value } from "../../src/inventory/model";
import { ansibleInventory } from "../../src/inventory/ansible-inventory";

/** Realised site secrets by SecretSpec name (the `@pulumi/random` passwords of the host layer). */
export type SecretValues = { readonly [name: string]: pulumi.Input<string> };

export function isSecretString(v: Value): v is SecretString {
  return typeof v === "object" && v !== null && !Array.isArray(v) && (v as { kind?: unknown }).kind === "secret" && Array.isArray((v as { parts?: unknown }).parts);
}

/** Thrown for a model value that cannot become a swarm string (a bug in the inventory layer, or a missing secret). */
export class ValueError extends Error {}

/** A plain (non-secret) value as the string docker gets: booleans/numbers as written, structures as JSON. */
export function plainString(v: Value): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null) return "";
  if (isSecretString(v)) throw new ValueError("a secret value cannot be used where only plain text is allowed");
  return JSON.stringify(v);
}

/** A value as a Pulumi input: a SecretString becomes a secret Output built from the realised secrets. */
export function toInput(v: Value, secrets: SecretValues): pulumi.Input<string> {
  if (!isSecretString(v)) return plainString(v);
  const parts = v.parts.map((p) => {
    if (typeof p === "string") return p;
    const value = secrets[p.secret];
    if (value === undefined) throw new ValueError(`secret "${p.secret}" is not among the site's secrets`);
    return value;
  });
  return pulumi.secret(pulumi.all(parts).apply((xs) => xs.join("")));
}

/**
 * The stage's Ansible inventory and extra variables as two JSON lines, the site's secrets inside: the tail of the
 * stdin of the scripts that run roles (build-image.sh, init-service.sh). A secret Output.
 */
export function inventoryLines(site: Site, secrets: SecretValues): pulumi.Output<string> {
  const names = Object.keys(secrets).sort();
  return pulumi.secret(
    pulumi.all(names.map((n) => secrets[n])).apply((values) => {
      const byName = Object.fromEntries(names.map((n, i) => [n, values[i]]));
      const { inventory, extraVars } = ansibleInventory(site, (name) => {
        const v = byName[name];
        if (v === undefined) throw new ValueError(`secret "${name}" is not among the site's secrets`);
        return v;
      });
      return `${JSON.stringify(inventory)}\n${JSON.stringify(extraVars)}\n`;
    }),
  );
}
