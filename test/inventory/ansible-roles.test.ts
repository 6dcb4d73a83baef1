// The roles of examples/pdns see the inventory as Ansible would: they run through the real ansible-playbook
// (ansible-core from PyPI) with the inventory hive generates, against a stand-in target. The stand-in is a copy
// of each role whose tasks only template their arguments (an ansible.builtin.debug of them, keeping loops and
// conditions), run on the local machine: Ansible renders every expression of every task exactly as it would
// for the real container, and fails on an undefined variable, without touching anything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { loadSite } from "../../src/inventory";
import { ansibleInventory } from "../../src/inventory/ansible-inventory";

const EXAMPLE = join(__dirname, "../../examples/pdns");
const PLAYBOOK = process.env.HIVE_ANSIBLE_PLAYBOOK ?? join(homedir(), ".cache/hive-ansible/venv/bin/ansible-playbook");
const NO_ANSIBLE = `ansible-playbook not found at ${PLAYBOOK}: python3 -m venv ~/.cache/hive-ansible/venv && ~/.cache/hive-ansible/venv/bin/pip install ansible-core (or set HIVE_ANSIBLE_PLAYBOOK)`;

const TASK_KEYS = new Set(["name", "when", "loop", "with_items", "with_dict", "loop_control", "register", "tags", "become", "ignore_errors", "changed_when", "failed_when", "vars", "delegate_to", "run_once", "no_log", "args", "environment", "check_mode", "until", "retries", "delay"]);

/** A task that templates what the original task would use, and does nothing else. */
function dryTask(task: Record<string, unknown>): Record<string, unknown> {
  const keep: Record<string, unknown> = {};
  const used: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(task)) {
    if (k === "register") keep[k] = v;
    else if (["when", "loop", "with_items", "with_dict", "loop_control", "vars", "name"].includes(k)) keep[k] = v;
    else if (TASK_KEYS.has(k)) used[k] = v;
    else used[k] = v; // the module and its arguments
  }
  return { ...keep, "ansible.builtin.debug": { msg: used } };
}

/** Copies a role with every task made dry (files and templates are not needed to template the tasks). */
function dryRole(src: string, dest: string): void {
  mkdirSync(join(dest, "tasks"), { recursive: true });
  for (const f of readdirSync(join(src, "tasks"))) {
    const tasks = (parse(readFileSync(join(src, "tasks", f), "utf8")) ?? []) as Record<string, unknown>[];
    writeFileSync(join(dest, "tasks", f), stringify(tasks.map(dryTask)));
  }
  for (const d of ["defaults", "vars"]) {
    const from = join(src, d, "main.yml");
    if (existsSync(from)) {
      mkdirSync(join(dest, d), { recursive: true });
      writeFileSync(join(dest, d, "main.yml"), readFileSync(from, "utf8"));
    }
  }
}

function runRoles(inventoryText: string, extraVars: unknown, site: ReturnType<typeof loadSite>) {
  const work = mkdtempSync(join(tmpdir(), "hive-ansible-roles-"));
  try {
    const plays: unknown[] = [];
    for (const s of site.services) {
      const buildRoles = (s.image.build?.roles ?? []).filter((r) => existsSync(join(EXAMPLE, "roles", r)));
      const initRoles = s.initializeRoles.filter((r) => existsSync(join(EXAMPLE, "roles", r)));
      for (const r of [...buildRoles, ...initRoles]) dryRole(join(EXAMPLE, "roles", r), join(work, "roles", r));
      if (buildRoles.length > 0) plays.push({ hosts: `image_${s.name}`, gather_facts: false, connection: "local", roles: buildRoles });
      if (initRoles.length > 0) plays.push({ hosts: s.name, gather_facts: false, connection: "local", roles: initRoles });
    }
    assert.ok(plays.length >= 4, "the example's roles are found");
    writeFileSync(join(work, "inventory.yml"), inventoryText, { mode: 0o600 });
    writeFileSync(join(work, "extra.json"), JSON.stringify(extraVars), { mode: 0o600 });
    writeFileSync(join(work, "site.yml"), stringify(plays));
    return spawnSync(PLAYBOOK, ["-i", "inventory.yml", "-e", "@extra.json", "site.yml"], {
      cwd: work,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        HOME: work,
        ANSIBLE_HOME: join(work, ".ansible"),
        ANSIBLE_ROLES_PATH: join(work, "roles"),
        ANSIBLE_NOCOLOR: "1",
        ANSIBLE_PYTHON_INTERPRETER: "auto_silent",
        ANSIBLE_LOCALHOST_WARNING: "0",
        LC_ALL: "C.UTF-8",
      },
      timeout: 240_000,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

test("the roles of examples/pdns get every variable they reference, through real ansible-playbook", (t) => {
  if (!existsSync(PLAYBOOK)) return t.skip(NO_ANSIBLE);
  const site = loadSite({ inventoryDir: join(EXAMPLE, "inventory"), stage: "staging", contextDir: "/tmp/hive-roles-ctx" });
  const { inventory, extraVars } = ansibleInventory(site, (name) => `value-of-${name}`);
  const ok = runRoles(stringify(inventory), extraVars, site);
  assert.equal(ok.status, 0, `${ok.stdout}\n${ok.stderr}`);
  // db_password, a password lookup, reaches the role as the site's secret, not a file Ansible would write.
  assert.match(ok.stdout, /"X-API-Key": "value-of-registry_password"/);
  // groups['hives'] is the stage's hives, as Ansible computes it from the inventory.
  assert.match(ok.stdout, /"ns-s-hive0\.pdns\.",\s*"ns-s-hive1\.pdns\.",\s*"ns-s-hive2\.pdns\."/);

  // The same run fails when a variable a role uses is missing.
  const broken = structuredClone(inventory) as { all: { vars: Record<string, unknown> } };
  delete broken.all.vars.domain;
  const bad = runRoles(stringify(broken), extraVars, site);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /'domain' is undefined/);
});
