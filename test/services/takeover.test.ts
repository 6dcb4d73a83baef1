// Taking over a site hive-builder deployed: for each service, the swarm spec hive sends must be the one
// hive-builder's deploy-services play sent (docker_swarm_service), or the first `pulumi up` would update and
// restart every service for nothing. The expectations are computed here from hive-builder's own rules, reading
// the raw inventory: labels `value if string else value | to_json` (Python's json.dumps, run for real) plus
// HIVE_STANDALONE, hosts = every server of the stage then the service's, the syslog logging default, the proxy
// environment only when set, and no update or rollback policy (swarm's defaults).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { loadSite } from "../../src/inventory";
import type { Site } from "../../src/inventory/model";
import { serviceArgs, type ServiceContext } from "../../components/services/service-args";
import { nodeLabels, swarmSteps } from "../../components/swarm/steps";
import { resolve } from "./resolve-outputs";
import { writeInventory } from "../inventory/helpers";

// hive-builder's own pdns example inventory, kept next to this checkout (HIVE_COMPAT_INVENTORY overrides).
const COMPAT = process.env.HIVE_COMPAT_INVENTORY ?? join(__dirname, "../../../shared/compat/hive-builder-pdns/inventory");
const COMPAT_PRESENT = existsSync(join(COMPAT, "hive.yml"));
const NO_COMPAT = `hive-builder's example inventory not found at ${COMPAT} (set HIVE_COMPAT_INVENTORY)`;

/** Python's json.dumps (what Ansible's to_json calls) of each value. */
function pythonJson(values: unknown[]): string[] {
  const r = spawnSync("python3", ["-c", "import json,sys\nfor v in json.load(sys.stdin): print(json.dumps(v))"], { input: JSON.stringify(values), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").slice(0, values.length);
}

/** Labels as hive-builder's deploy-services wrote them. */
function builderLabels(raw: Record<string, unknown> | undefined, standalone: boolean): Record<string, string> {
  const entries = Object.entries(raw ?? {});
  const encoded = pythonJson(entries.map(([, v]) => v));
  const out: Record<string, string> = { HIVE_STANDALONE: standalone ? "True" : "False" };
  entries.forEach(([k, v], i) => (out[k] = typeof v === "string" ? v : encoded[i]));
  return out;
}

function ctxFor(site: Site, image: string): ServiceContext {
  return {
    site,
    image,
    networkIds: Object.fromEntries(site.networks.map((n) => [n.name, `net-${n.name}`])),
    secrets: Object.fromEntries(site.secrets.map((s) => [s.name, pulumi.secret(`value-of-${s.name}`)])),
    registryPassword: pulumi.secret("regpw"),
    extRepositories: [],
  };
}

interface Spec {
  labels: { label: string; value: unknown }[];
  updateConfig?: unknown;
  rollbackConfig?: unknown;
  taskSpec: { containerSpec: { hostname: string; hosts: { host: string; ip: string }[]; env?: Record<string, unknown> }; logDriver: unknown };
}

function check(site: Site, rawServices: Record<string, Record<string, unknown>>) {
  const servers = site.hosts.map((h) => ({ host: h.name, ip: h.privateIp }));
  return Promise.all(
    site.services.map(async (svc) => {
      const raw = rawServices[svc.name];
      const spec = (await resolve(serviceArgs(svc, ctxFor(site, "img")))) as unknown as Spec;
      const labels = Object.fromEntries(spec.labels.map((l) => [l.label, l.value]));
      assert.deepEqual(labels, builderLabels(raw.labels as Record<string, unknown> | undefined, raw.standalone === true), svc.name);
      assert.equal(spec.updateConfig, undefined, `${svc.name}: update policy`);
      assert.equal(spec.rollbackConfig, undefined, `${svc.name}: rollback policy`);
      const extraHosts = Object.entries((raw.hosts ?? {}) as Record<string, string>).map(([host, ip]) => ({ host, ip }));
      assert.deepEqual(spec.taskSpec.containerSpec.hosts, [...servers, ...extraHosts], svc.name);
      assert.equal(spec.taskSpec.containerSpec.hostname, svc.name);
      if (raw.logging === undefined) {
        assert.deepEqual(spec.taskSpec.logDriver, {
          name: "syslog",
          options: { "syslog-address": `udp://${site.repository}:10514`, "syslog-facility": "local0", tag: svc.name },
        });
      }
      // No proxy is set, so the environment is the service's own (hive-builder omitted every unset proxy key);
      // `{{ hive_email | default(omit) }}` drops its key, hive_email being undefined here.
      assert.ok(!("hive_email" in site.vars));
      const ownKeys = Object.entries((raw.environment ?? {}) as Record<string, unknown>)
        .filter(([, v]) => !(typeof v === "string" && v.includes("default(omit)")))
        .map(([k]) => k);
      assert.deepEqual(Object.keys(spec.taskSpec.containerSpec.env ?? {}).sort(), ownKeys.sort(), svc.name);
    }),
  );
}

test("hive-builder's pdns site, every stage: each service's spec is what hive-builder deployed", async (t) => {
  if (!COMPAT_PRESENT) return t.skip(NO_COMPAT);
  const dir = COMPAT;
  const raw = parse(readFileSync(join(dir, "powerdns.yml"), "utf8")) as { services: Record<string, Record<string, unknown>> };
  for (const stage of ["private", "staging", "production"] as const) {
    await t.test(stage, async () => {
      const site = loadSite({ inventoryDir: dir, stage, contextDir: "/tmp/hive-takeover-ctx" });
      assert.ok(site.services.length >= 5);
      await check(site, raw.services);
    });
  }
});

test("structured labels are written as Ansible's to_json writes them ({\"a\": 1}, with the space)", async () => {
  const services = `plugin: hive_services
services:
  app:
    image: nginx:1
    labels:
      plain: text
      number: 3
      flag: true
      nothing: null
      obj: {a: 1, b: [true, null, "é", "😀"], c: {d: "x\\"y"}}
      list: [1, 2.5, "three"]
    hosts:
      extra.example: 10.9.9.9
`;
  const dir = writeInventory({
    "hive.yml": "plugin: hive_inventory\nname: tk\nstages:\n  staging:\n    provider: prepared\n    cidr: 10.0.0.0/24\n    ip_address_list: [10.0.0.10, 10.0.0.11, 10.0.0.12, 10.0.0.13]\n",
    "services.yml": services,
  });
  const site = loadSite({ inventoryDir: dir, stage: "staging", contextDir: join(dir, ".hive") });
  await check(site, (parse(services) as { services: Record<string, Record<string, unknown>> }).services);
  assert.equal(site.services[0].labels.obj, '{"a": 1, "b": [true, null, "\\u00e9", "\\ud83d\\ude00"], "c": {"d": "x\\"y"}}');
});

test("a label may hold a secret: it stays a secret Output", async () => {
  const dir = writeInventory({
    "hive.yml": "plugin: hive_inventory\nname: tk\nstages:\n  staging:\n    provider: prepared\n    cidr: 10.0.0.0/24\n    ip_address_list: [10.0.0.10, 10.0.0.11]\n",
    "group_vars/all.yml": "pw: \"{{ lookup('password', '/x/pw length=8') }}\"\n",
    "services.yml": 'plugin: hive_services\nservices:\n  app:\n    image: nginx:1\n    labels:\n      token: "t-{{ pw }}"\n      obj: {k: "{{ pw }}"}\n',
  });
  const site = loadSite({ inventoryDir: dir, stage: "staging", contextDir: join(dir, ".hive") });
  const spec = (await resolve(serviceArgs(site.services[0], ctxFor(site, "img")))) as unknown as Spec;
  const labels = Object.fromEntries(spec.labels.map((l) => [l.label, l.value]));
  assert.deepEqual(labels.token, { secret: "t-value-of-pw" });
  assert.deepEqual(labels.obj, { secret: '{"k": "value-of-pw"}' });
});

test("swarm nodes are labelled with every Ansible group of the host, hosts included", () => {
  const site = loadSite({ inventoryDir: join(__dirname, "../../examples/pdns/inventory"), stage: "staging", contextDir: "/tmp/hive-takeover-ctx" });
  assert.deepEqual(nodeLabels(site.hosts[0]), ["first_hive", "hives", "hosts", "servers", "staging"]);
  const labels = swarmSteps(site).filter((s) => s.kind === "node-labels").map((s) => s.env.HIVE_LABELS);
  assert.deepEqual(labels, ["first_hive hives hosts servers staging", "hives hosts servers staging", "hives hosts servers staging"]);
});

test("a secret where hive keeps plain text is an error at the service, never a placeholder in the spec", () => {
  const dir = writeInventory({
    "hive.yml": "plugin: hive_inventory\nname: tk\nstages:\n  staging:\n    provider: prepared\n    cidr: 10.0.0.0/24\n    ip_address_list: [10.0.0.10, 10.0.0.11]\n",
    "group_vars/all.yml": "pw: \"{{ lookup('password', '/x/pw length=8') }}\"\n",
    "services.yml": 'plugin: hive_services\nservices:\n  app:\n    image: nginx:1\n    logging:\n      driver: gelf\n      options: {token: "{{ pw }}"}\n',
  });
  assert.throws(
    () => loadSite({ inventoryDir: dir, stage: "staging", contextDir: join(dir, ".hive") }),
    /services\.app: a secret cannot be used in logging\.options\.token/,
  );
});
