// urnsFromPlan: the URNs the program will create, from `hive plan --json` resources.
import { test } from "node:test";
import assert from "node:assert/strict";
import { urnsFromPlan } from "../../src/cli/stack-access";
import { selectTargets } from "../../src/cli/phases";

test("URNs from parent URNs, parent names, or given URNs; the stack is not part of the type chain", () => {
  const stack = "urn:pulumi:staging::hive::pulumi:pulumi:Stack::hive-staging";
  const urns = urnsFromPlan("staging", [
    { type: "hive:services:Service", name: "powerdns", parent: stack },
    { type: "docker:index/service:Service", name: "powerdns-service", parent: "urn:pulumi:staging::hive::hive:services:Service::powerdns" },
    { type: "hive:volumes:DrbdVolume", name: "pdnsdb_data", parent: null },
    { type: "command:remote:Command", name: "pdnsdb_data-resource", parent: "pdnsdb_data" },
    { type: "hive:infra:AwsInfra", name: "pdns", urn: "urn:pulumi:staging::hive::hive:infra:AwsInfra::pdns" },
  ]);
  assert.deepEqual(urns, [
    "urn:pulumi:staging::hive::hive:services:Service::powerdns",
    "urn:pulumi:staging::hive::hive:services:Service$docker:index/service:Service::powerdns-service",
    "urn:pulumi:staging::hive::hive:volumes:DrbdVolume::pdnsdb_data",
    "urn:pulumi:staging::hive::hive:volumes:DrbdVolume$command:remote:Command::pdnsdb_data-resource",
    "urn:pulumi:staging::hive::hive:infra:AwsInfra::pdns",
  ]);
  assert.deepEqual(selectTargets(urns, "build-volumes", ["pdnsdb_data"]), [
    "urn:pulumi:staging::hive::hive:volumes:DrbdVolume$command:remote:Command::pdnsdb_data-resource",
    "urn:pulumi:staging::hive::hive:volumes:DrbdVolume::pdnsdb_data",
  ]);
});
