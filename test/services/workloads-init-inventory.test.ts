// initialize_roles get the stage's Ansible inventory on the command's stdin, as a secret.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deployTestWorkloads, settle, startMocks, strings, unwrapSecrets } from "./mock-runtime";
import { stagingSite } from "../helpers/services-site-fixture";
import type { Site } from "../../src/inventory/model";

test("the init command of powerdns carries the inventory as a secret stdin, with the realised secrets", async () => {
  const records = await startMocks("staging");
  const base = stagingSite();
  const site: Site = {
    ...base,
    ansibleVars: {
      groups: { all: { domain: "example.com", db_password: { kind: "secret", parts: [{ secret: "db_password" }] } } },
      hosts: {},
      extra: {},
      builtins: { hive_name: "pdns", hive_stage: "staging" },
    },
  };
  await deployTestWorkloads(site, "s3cret-db");
  await settle(records);
  const run = records.get("e-init-powerdns-run");
  assert.ok(run, [...records.keys()].filter((k) => k.includes("init")).join(" "));
  const inputs = unwrapSecrets(run.inputs) as { stdin: { secret: string }; create: string };
  const lines = inputs.stdin.secret.trim().split("\n");
  const [inventory, extra] = lines.slice(0, 2).map((l) => JSON.parse(l) as Record<string, unknown>);
  // The site's key, for tasks delegated to a server, with the final newline OpenSSH needs.
  assert.equal(Buffer.from(lines[2], "base64").toString("utf8"), "K\n");
  const all = (inventory as { all: { vars: Record<string, unknown>; children: Record<string, { hosts?: Record<string, unknown> }> } }).all;
  assert.equal(all.vars.db_password, "s3cret-db");
  assert.equal(all.vars.domain, "example.com");
  assert.deepEqual(Object.keys(all.children.hives.hosts!), ["s-hive0.pdns", "s-hive1.pdns", "s-hive2.pdns"]);
  // Each server as the repository server reaches it: by ssh to its private address, the repository itself locally.
  const hive1 = all.children.hives.hosts!["s-hive1.pdns"] as Record<string, unknown>;
  const connection = Object.fromEntries(Object.entries(hive1).filter(([k]) => k.startsWith("ansible_")));
  assert.deepEqual(connection, {
    ansible_connection: "ssh",
    ansible_host: "192.168.0.69",
    ansible_user: site.adminUser,
    ansible_ssh_private_key_file: "{{ playbook_dir }}/ssh_key",
    ansible_ssh_common_args: "-o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
    ansible_ssh_pipelining: true,
  });
  assert.equal((all.children.repository.hosts!["s-hive3.pdns"] as Record<string, unknown>).ansible_connection, "local");
  assert.ok("powerdns" in all.children.services.hosts!);
  assert.deepEqual(extra, {});
  assert.match(inputs.create, /export HIVE_INVENTORY_STDIN='1'/);
  assert.ok(!strings(inputs.create).some((s) => s.includes("s3cret-db")));
});
