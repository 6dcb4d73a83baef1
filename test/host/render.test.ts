import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RENDER_CASES } from "./render-cases";
import { listVar, stringVar, zabbixServerIp } from "../../components/host/render";
import { registryPort } from "../../components/repository/render";
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
