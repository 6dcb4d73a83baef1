// The variables of the inventory as Ansible gets them for roles (image builds, initialize_roles, addon): the
// values as written, so Ansible renders them itself with its own precedence, filters and magic variables.
// The one exception is a value holding `lookup('password', …)`: Ansible would generate a password file of its
// own, so such a value is handed over evaluated, its secret being hive's (a SecretString until deploy time).
import type { AnsibleVars } from "./model";
import type { HostsStage } from "./load-hosts";
import { layer, type InventoryVariables } from "./load-variables";
import { OMIT, Scope, toValue, type VarDef } from "./templates";

const PASSWORD_LOOKUP = /lookup\s*\(\s*['"]password['"]|query\s*\(\s*['"]password['"]/;

function hasPasswordLookup(raw: unknown): boolean {
  if (typeof raw === "string") return PASSWORD_LOOKUP.test(raw);
  if (Array.isArray(raw)) return raw.some(hasPasswordLookup);
  if (raw !== null && typeof raw === "object") return Object.values(raw).some(hasPasswordLookup);
  return false;
}

/** Built-ins Ansible computes itself (groups, hostvars, inventory_hostname…) are left to it. */
const ANSIBLE_OWN = new Set(["groups", "hostvars", "inventory_dir", "playbook_dir"]);

export function collectAnsibleVars(vars: InventoryVariables, hosts: HostsStage): AnsibleVars {
  const scope = new Scope(hosts.engine, layer(vars.siteDefs(), vars.serviceDefs()), hosts.builtins);
  const materialise = (defs: ReadonlyMap<string, VarDef> | undefined): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, def] of defs ?? []) {
      if (!hasPasswordLookup(def.raw)) {
        out[k] = def.raw;
        continue;
      }
      try {
        const v = hosts.engine.evaluate(def.raw, scope);
        if (v !== OMIT) out[k] = toValue(v);
      } catch {
        // Reported where the variable is evaluated for the site, a server or the services.
      }
    }
    return out;
  };
  return {
    groups: Object.fromEntries(vars.groupNames().map((g) => [g, materialise(vars.group(g))])),
    hosts: Object.fromEntries(vars.hostNames().map((h) => [h, materialise(vars.host(h))])),
    extra: materialise(vars.stackVars),
    builtins: Object.fromEntries(Object.entries(hosts.builtins).filter(([k]) => !ANSIBLE_OWN.has(k))),
  };
}
