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

/** Where the role runs keeps the site's SSH key (written by ansible-roles.sh beside the playbook). */
const ROLE_SSH_KEY = "{{ playbook_dir }}/ssh_key";

/**
 * How Ansible reaches each server from the repository server, where the roles run: the repository server itself
 * locally, every other server by ssh to its private address as the admin user with the site's key, as
 * hive-builder reached them from its controller. Host keys are not pinned: servers are rebuilt by the stage
 * itself and reached on the site's private network (the docker providers do the same). Pure.
 */
export function serverConnectionVars(site: Site): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    site.hosts.map((h) => [
      h.name,
      h.name === site.repository
        ? { ansible_connection: "local" }
        : {
            ansible_connection: "ssh",
            ansible_host: h.privateIp,
            ansible_user: site.adminUser,
            ansible_ssh_private_key_file: ROLE_SSH_KEY,
            ansible_ssh_common_args: "-o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
            ansible_ssh_pipelining: true,
          },
    ]),
  );
}

type InventoryGroup = { hosts?: Record<string, Record<string, unknown>> };

/**
 * The stage's Ansible inventory with each server's connection (serverConnectionVars) under its own variables, so
 * a project's host_vars may still set them. Pure.
 */
export function withServerConnections(inventory: Record<string, unknown>, site: Site): Record<string, unknown> {
  const connections = serverConnectionVars(site);
  const all = (inventory as { all: { children: Record<string, InventoryGroup> } }).all;
  const children = Object.fromEntries(
    Object.entries(all.children).map(([name, group]) => {
      // The groups that hold the servers' own variables; the others only list them.
      if ((name !== "hives" && name !== "repository") || group.hosts === undefined) return [name, group];
      const hosts = Object.fromEntries(Object.entries(group.hosts).map(([h, vars]) => [h, { ...connections[h], ...vars }]));
      return [name, { ...group, hosts }];
    }),
  );
  return { ...inventory, all: { ...all, children } };
}

/**
 * The stage's Ansible inventory (with the servers' connections), the extra variables and the site's SSH key
 * (base64, for tasks delegated to a server) as three lines, the site's secrets inside: the tail of the stdin of
 * the scripts that run roles (build-image.sh, init-service.sh, addon-role.sh). A secret Output.
 */
export function inventoryLines(site: Site, secrets: SecretValues, sshKey: pulumi.Input<string>): pulumi.Output<string> {
  const names = Object.keys(secrets).sort();
  return pulumi.secret(
    pulumi.all([sshKey, ...names.map((n) => secrets[n])]).apply(([key, ...values]) => {
      const byName = Object.fromEntries(names.map((n, i) => [n, values[i]]));
      const { inventory, extraVars } = ansibleInventory(site, (name) => {
        const v = byName[name];
        if (v === undefined) throw new ValueError(`secret "${name}" is not among the site's secrets`);
        return v;
      });
      // OpenSSH refuses a key file without its final newline ("error in libcrypto"), which a key read from
      // stack config has lost; the providers' own SSH clients do not mind.
      const keyLine = Buffer.from(key === "" || key.endsWith("\n") ? key : `${key}\n`, "utf8").toString("base64");
      return `${JSON.stringify(withServerConnections(inventory, site))}\n${JSON.stringify(extraVars)}\n${keyLine}\n`;
    }),
  );
}
