import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RENDER_CASES } from "./render-cases";
import { listVar, stringVar, zabbixServerIp } from "../../components/host/render";
import { registryPort, renderRegistryCompose, renderZabbixCompose, repositoryImages } from "../../components/repository/render";
import { oneHostSite, threeHivesAndRepoSite } from "../helpers/host-site-fixture";

const SNAPSHOTS = join(__dirname, "__snapshots__");

for (const [name, render] of Object.entries(RENDER_CASES)) {
  test(`rendered ${name} matches its snapshot exactly`, () => {
    assert.equal(render(), readFileSync(join(SNAPSHOTS, name), "utf8"));
  });
}

test("every snapshot file has a render case", () => {
  assert.deepEqual(readdirSync(SNAPSHOTS).sort(), Object.keys(RENDER_CASES).sort());
});

test("daemon.json is valid JSON with TLS on 2376", () => {
  const json = JSON.parse(RENDER_CASES["daemon.json"]());
  assert.deepEqual(json.hosts, ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]);
  assert.equal(json.tlsverify, true);
});

test("variables: strings, numbers, lists; secrets and omitted values are not plain strings", () => {
  const vars = {
    a: "x",
    n: 3,
    empty: "",
    list: ["ntp1", "ntp2"],
    spaced: "ntp1, ntp2",
    secret: { kind: "secret" as const, parts: [{ secret: "registry_password" }] },
  };
  assert.equal(stringVar(vars, "a"), "x");
  assert.equal(stringVar(vars, "n"), "3");
  assert.equal(stringVar(vars, "empty"), null);
  assert.equal(stringVar(vars, "secret"), null);
  assert.equal(stringVar(vars, "missing"), null);
  assert.deepEqual(listVar(vars, "list"), ["ntp1", "ntp2"]);
  assert.deepEqual(listVar(vars, "spaced"), ["ntp1", "ntp2"]);
  assert.deepEqual(listVar(vars, "missing"), []);
});

test("Zabbix server address and registry port", () => {
  assert.equal(zabbixServerIp(threeHivesAndRepoSite()), "10.254.224.2");
  assert.equal(zabbixServerIp(oneHostSite()), "172.21.0.2");
  assert.equal(registryPort(threeHivesAndRepoSite()), 5000);
  assert.equal(registryPort({ ...threeHivesAndRepoSite(), registry: "s-hive3.pdns:5443" }), 5443);
});

test("repository images: defaults unchanged, each set by its variable on the repository server (trimmed)", () => {
  const site = threeHivesAndRepoSite();
  assert.match(renderRegistryCompose(site), /^ {4}image: registry:2$/m);
  assert.match(renderZabbixCompose(site), /^ {4}image: zabbix\/zabbix-server-mysql:alpine-7\.0-latest$/m);
  const tagged = {
    ...site,
    hosts: site.hosts.map((h) =>
      h.isRepository
        ? {
            ...h,
            vars: {
              ...h.vars,
              hive_registry_tag: "mirror.example/registry:2.8",
              hive_zabbix_server_tag: "mirror.example/zabbix-server:7.0",
              hive_zabbix_web_tag: "mirror.example/zabbix-web:7.0 ",
              hive_zabbix_db_tag: "mirror.example/mariadb:11",
            },
          }
        : h,
    ),
  };
  assert.deepEqual(repositoryImages(tagged), {
    registry: "mirror.example/registry:2.8",
    zabbixServer: "mirror.example/zabbix-server:7.0",
    zabbixWeb: "mirror.example/zabbix-web:7.0",
    zabbixDb: "mirror.example/mariadb:11",
  });
  const compose = renderZabbixCompose(tagged);
  for (const image of ["mirror.example/zabbix-server:7.0", "mirror.example/zabbix-web:7.0", "mirror.example/mariadb:11"]) {
    assert.ok(compose.includes(`    image: ${image}\n`), image);
  }
  assert.match(renderRegistryCompose(tagged), /^ {4}image: mirror\.example\/registry:2\.8$/m);
});
