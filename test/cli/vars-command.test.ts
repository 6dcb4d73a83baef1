// `hive set|get|unset` against a temp Pulumi.<stage>.yaml and .hive/settings.json; secrets through the
// StackAccess double (the real one needs the Pulumi CLI).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { planVar } from "../../src/cli/commands/vars";
import { harness } from "./helpers";

test("planVar: stage goes to the settings, other names to hive:<var> of the stage", () => {
  const h = harness({ inventory: false });
  assert.deepEqual(planVar("set", "stage", "staging", {}, h.root), { kind: "set-stage", stage: "staging" });
  assert.deepEqual(planVar("get", "stage", undefined, {}, h.root), { kind: "get-stage" });
  assert.deepEqual(planVar("set", "inventory", "inv", { stage: "production" }, h.root), { kind: "set", stage: "production", key: "hive:inventory", value: "inv", secret: false });
  assert.deepEqual(planVar("set", "aws:region", "eu-west-1", { secret: true }, h.root), { kind: "set", stage: "private", key: "aws:region", value: "eu-west-1", secret: true });
  assert.deepEqual(planVar("get", "halted", undefined, { showSecrets: true }, h.root), { kind: "get", stage: "private", key: "hive:halted", showSecrets: true });
  assert.deepEqual(planVar("unset", "halted", undefined, { stage: "staging" }, h.root), { kind: "unset", stage: "staging", key: "hive:halted" });
  assert.throws(() => planVar("set", "stage", "qa", {}, h.root), /unknown stage "qa"/);
  assert.throws(() => planVar("set", "bad name", "x", {}, h.root), /"bad name" is not a variable name/);
  assert.throws(() => planVar("set", "stage", "private", { secret: true }, h.root), /the stage is not a secret/);
});

test("set stage is stored in .hive/settings.json and selects the stack of later commands", async () => {
  const h = harness({ inventory: false });
  assert.equal(await h.run("get", "stage"), 0);
  assert.equal(await h.run("set", "stage", "production"), 0, h.err());
  assert.deepEqual(JSON.parse(readFileSync(join(h.root, ".hive", "settings.json"), "utf8")), { stage: "production" });
  assert.equal(await h.run("get", "stage"), 0);
  assert.equal(await h.run("set", "inventory", "site/inventory"), 0, h.err());
  assert.equal(readFileSync(join(h.root, "Pulumi.production.yaml"), "utf8"), "config:\n  hive:inventory: site/inventory\n");
  assert.equal(await h.run("unset", "stage"), 0, h.err());
  assert.equal(await h.run("get", "stage"), 0);
  const lines = h.out().split("\n");
  assert.deepEqual([lines[0], lines[2], lines[5]], ["private", "production", "private"]);
  assert.equal(lines[4], "hive: default stage is private");
  assert.equal(await h.run("set", "stage", "qa"), 1);
  assert.match(h.err(), /unknown stage "qa"/);
});

test("set/get/unset of plain values edit Pulumi.<stage>.yaml in place, keeping comments", async () => {
  const h = harness({ inventory: false, stackConfig: { staging: "# Staging on AWS\nconfig:\n  aws:region: ap-northeast-1 # Tokyo\n  hive:adminPassword:\n    secure: v1:abcd\n" } });
  assert.equal(await h.run("set", "-s", "staging", "inventory", "examples/pdns/inventory"), 0, h.err());
  assert.equal(await h.run("get", "-s", "staging", "inventory"), 0, h.err());
  assert.equal(await h.run("get", "-s", "staging", "aws:region"), 0, h.err());
  assert.equal(await h.run("get", "-s", "staging", "adminPassword"), 0, h.err());
  assert.equal(h.out().split("\n").slice(1).join("\n"), "examples/pdns/inventory\nap-northeast-1\n[secret]\n");
  assert.equal(
    readFileSync(join(h.root, "Pulumi.staging.yaml"), "utf8"),
    "# Staging on AWS\nconfig:\n  aws:region: ap-northeast-1 # Tokyo\n  hive:adminPassword:\n    secure: v1:abcd\n  hive:inventory: examples/pdns/inventory\n",
  );
  assert.equal(await h.run("unset", "-s", "staging", "inventory"), 0, h.err());
  assert.doesNotMatch(readFileSync(join(h.root, "Pulumi.staging.yaml"), "utf8"), /hive:inventory/);
  assert.equal(await h.run("unset", "-s", "staging", "inventory"), 1);
  assert.equal(await h.run("get", "-s", "staging", "inventory"), 1);
  assert.match(h.err(), /hive: hive:inventory is not set on stage staging\nhive: hive:inventory is not set on stage staging\n$/);
  assert.deepEqual(h.access.calls, [], "plain values never need the Pulumi CLI");
});

test("secrets go through the CLI: set --secret, get --show-secrets", async () => {
  const h = harness({ inventory: false, stackConfig: { private: "config:\n  hive:token:\n    secure: v1:xyz\n" } });
  assert.equal(await h.run("set", "--secret", "token", "tok-value-1"), 0, h.err());
  assert.deepEqual(h.access.calls, ["setSecret private hive:token"]);
  assert.doesNotMatch(h.out(), /tok-value-1/);
  assert.equal(await h.run("get", "token", "--show-secrets"), 0, h.err());
  assert.match(h.out(), /tok-value-1\n$/);
  const noCli = harness({ inventory: false, checkPulumi: () => { throw new (require("../../src/cli/context").CliError)("the Pulumi CLI was not found", 2); } });
  assert.equal(await noCli.run("set", "--secret", "token", "x"), 2);
  assert.equal(await noCli.run("set", "plain", "x"), 0, "plain values do not need it");
});

test("set --secret without a value reads it from standard input", async () => {
  const h = harness({ inventory: false, stdin: "from-stdin-secret\n" });
  assert.equal(await h.run("set", "--secret", "-s", "staging", "token"), 0, h.err());
  assert.deepEqual(h.access.calls, ["setSecret staging hive:token"]);
  assert.deepEqual(h.access.config["hive:token"], { value: "from-stdin-secret", secret: true });
  const empty = harness({ inventory: false, stdin: "" });
  assert.equal(await empty.run("set", "--secret", "token"), 1);
  assert.equal(empty.err(), "hive: no value for hive:token on standard input\n");
  const plain = harness({ inventory: false });
  assert.equal(await plain.run("set", "inventory"), 1);
  assert.match(plain.err(), /hive set inventory needs a value/);
});
