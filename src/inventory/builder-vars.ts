// hive-builder's `hive set <variable> <value>` variables. `hive set` stores them as stack config `hive:<variable>`
// (as any other setting); hive-builder's playbooks saw them as `hive_<variable>`, and so do hive's templates and
// components, with `hive:vars` (and group_vars) able to override them.

/**
 * Variables `hive set` stores that hive-builder handed to Ansible as `hive_<name>`. Not `http_proxy`: hive-builder
 * meant a proxy of the operator's machine forwarded to the servers over SSH, while hive's `hive_http_proxy` is a
 * proxy the servers reach themselves (docs/inventory.md), so the value cannot be carried over as it is.
 */
export const BUILDER_SET_VARIABLES = [
  "vagrant_proxy",
  "registry_mirror",
  "pip_index_url",
  "pip_trusted_host",
  "tls_logging",
  "zabbix_backup_cleanup_days_before",
  "registry_backup_cleanup_days_before",
] as const;

/**
 * The inventory variables given by `hive set`: `hive:http_proxy` → `hive_http_proxy`, …, and `hive:first_hive`
 * as `first_hive` (hive-builder's index of the swarm's first node). `get` reads one stack config key (without the
 * `hive:` namespace) and returns undefined when it is not set.
 */
export function builderSetVars(get: (key: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of BUILDER_SET_VARIABLES) {
    const v = get(name);
    if (v !== undefined && v !== null) out[`hive_${name}`] = v;
  }
  const first = get("first_hive");
  if (first !== undefined && first !== null) out.first_hive = first;
  return out;
}
