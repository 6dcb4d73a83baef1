// Variables are kept as written and rendered where they are used: hive's own variables for each server in its
// own scope and precedence, any other only when a value hive evaluates uses it (so one that only Ansible can
// evaluate, such as a fact, is no error until hive needs it).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ansibleGroupOrder } from "../../src/inventory/load-variables";
import { HIVE, loadFiles, problemsOf } from "./helpers";

const LAYERS = ["all", "hosts", "servers", "hives", "repository", "first_hive", "staging", "host_vars", "stack"] as const;
type Layer = (typeof LAYERS)[number];

/** Which layer a server's value comes from: the last of its groups in Ansible's order, then host_vars, then stack. */
function winner(defined: ReadonlySet<Layer>, groups: readonly string[], hasHostVars: boolean): Layer | null {
  if (defined.has("stack")) return "stack";
  if (hasHostVars && defined.has("host_vars")) return "host_vars";
  const order = ansibleGroupOrder(["all", "hosts", ...groups]).filter((g) => defined.has(g as Layer));
  return (order[order.length - 1] as Layer | undefined) ?? null;
}

test("each server renders hive's variables from the layer that wins for it; others stay unevaluated until used", () => {
  fc.assert(
    fc.property(fc.subarray([...LAYERS], { minLength: 1 }), (layers) => {
      const defined = new Set<Layer>(layers);
      const files: Record<string, string> = { "hive.yml": HIVE };
      // hive_where: per server (a built-in of the server); where: the services' own; broken: never used.
      const body = (layer: string) => `hive_where: "{{ inventory_hostname_short }}@${layer}"\nwhere: "{{ hive_stage }}@${layer}"\nbroken: "{{ ansible_default_ipv4.address }}"\n`;
      for (const l of layers) if (l !== "host_vars" && l !== "stack") files[`group_vars/${l}.yml`] = body(l);
      if (defined.has("host_vars")) files["host_vars/s-hive1.demo.yml"] = body("host_vars");
      files["s.yml"] = "plugin: hive_services\nservices:\n  web:\n    image: x\n    environment:\n      W: \"{{ where | default('none') }}\"\n";
      const stack = defined.has("stack") ? { hive_where: "{{ inventory_hostname_short }}@stack", where: "{{ hive_stage }}@stack" } : {};
      const site = loadFiles(files, { vars: stack });
      for (const h of site.hosts) {
        const w = winner(defined, h.groups, h.name === "s-hive1.demo");
        assert.equal(h.vars.hive_where, w === null ? undefined : `${h.shortName}@${w}`, `${h.name} ${[...defined].join(",")}`);
        assert.equal("broken" in h.vars || "where" in h.vars, false);
      }
      // The services see all, services and the stage (no server groups, no host_vars), then stack config.
      const svc = defined.has("stack") ? "stack" : defined.has("staging") ? "staging" : defined.has("all") ? "all" : null;
      assert.equal(site.services[0].environment.W, svc === null ? "none" : `staging@${svc}`);
    }),
    { numRuns: 30 },
  );
});

test("a variable only Ansible can evaluate is an error at its own line once hive needs it, naming the construct", () => {
  const files = { "hive.yml": HIVE, "group_vars/all.yml": "domain: example.com\nmy_ip: \"{{ ansible_default_ipv4.address }}\"\nlist: \"{{ [1, 2] | json_query('[0]') }}\"\n" };
  assert.deepEqual(problemsOf({ ...files, "s.yml": "plugin: hive_services\nservices:\n  web:\n    image: x\n    environment: {D: '{{ domain }}', L: '{{ list }}'}\n" }), []);
  assert.deepEqual(problemsOf({ ...files, "s.yml": "plugin: hive_services\nservices:\n  web:\n    image: x\n    labels: {ip: '{{ my_ip }}'}\n" }), [
    `group_vars/all.yml:2:1: in variable "my_ip": cannot evaluate "{{ ansible_default_ipv4.address }}": "ansible_default_ipv4" is an Ansible fact, gathered from a running server; hive evaluates this value itself before any server runs, so it has no facts (the server's address in the inventory is hive_private_ip); roles, which Ansible runs, may use facts`,
  ]);
  // hive reads hive_ntp_servers for every server: there it is needed, so the fact is an error.
  assert.deepEqual(problemsOf({ ...files, "group_vars/servers.yml": "hive_ntp_servers: \"{{ ansible_default_ipv4.gateway }}\"\n" }), [
    `group_vars/servers.yml:1:1: in variable "hive_ntp_servers": cannot evaluate "{{ ansible_default_ipv4.gateway }}": "ansible_default_ipv4" is an Ansible fact, gathered from a running server; hive evaluates this value itself before any server runs, so it has no facts (the server's address in the inventory is hive_private_ip); roles, which Ansible runs, may use facts`,
  ]);
});
