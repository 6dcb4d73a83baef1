// SPEC §5.6: destroying production is refused before anything is deleted, by the program's guard (a plain
// `pulumi destroy`) and by `hive destroy` itself, unless hive:allowDestroyProduction.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSite } from "../helpers/site-fixture";
import { planSite } from "../helpers/plan";
import { harness, recordedUrns } from "../cli/helpers";
import { DESTROY_GUARD_TYPE } from "../../components/destroy-guard";

test("production: a protected guard that depends on every resource of the site, so a destroy must delete it first", async () => {
  const view = await planSite(buildSite({ stage: "production" }));
  const guard = view.get(DESTROY_GUARD_TYPE, "pdns-destroy-guard");
  assert.equal(guard.protect, true);
  assert.equal(view.nameOf(guard.parent), "hive-production");
  const custom = view.all.filter((r) => r.custom);
  assert.ok(custom.length > 50, `${custom.length} custom resources`);
  assert.deepEqual(custom.filter((r) => !guard.dependencies.includes(r.urn)).map((r) => r.name), []);
  assert.ok(custom.some((r) => r.type === "aws:ec2/instance:Instance" && guard.dependencies.includes(r.urn)));
  assert.ok(custom.some((r) => r.type === "pulumi:providers:aws" && guard.dependencies.includes(r.urn)));
});

test("production: a second protected guard in the host fleet (part of build-infra) depends on the fleet's resources and the keys", async () => {
  const view = await planSite(buildSite({ stage: "production" }));
  const guard = view.get(DESTROY_GUARD_TYPE, "pdns-infra-destroy-guard");
  assert.equal(guard.protect, true);
  assert.equal(view.parentName(guard), "pdns-aws");
  const fleetOrKeys = (r: { urn: string }) => r.urn.includes("::hive:infra:AwsHostFleet$") || r.urn.includes("::hive:pki:Pki$");
  const guarded = view.all.filter((r) => r.custom && fleetOrKeys(r));
  assert.ok(guarded.some((r) => r.type === "aws:ec2/instance:Instance") && guarded.some((r) => r.type.startsWith("tls:")));
  assert.deepEqual(guarded.filter((r) => !guard.dependencies.includes(r.urn)).map((r) => r.name), []);
  assert.deepEqual(guard.dependencies.filter((urn) => !guarded.some((r) => r.urn === urn)), []);
});

test("production with allowDestroyProduction: the guards stay, unprotected, so an update lifts them", async () => {
  const view = await planSite(buildSite({ stage: "production" }), { allowDestroyProduction: true });
  assert.deepEqual(view.byType(DESTROY_GUARD_TYPE).map((r) => [r.name, r.protect]).sort(), [["pdns-destroy-guard", false], ["pdns-infra-destroy-guard", false]]);
});

test("staging has no guard", async () => {
  const view = await planSite(buildSite({ stage: "staging" }));
  assert.deepEqual(view.byType(DESTROY_GUARD_TYPE), []);
});

const REFUSED =
  "hive: refusing to destroy stage production: nothing was deleted. To allow it, run `hive set allowDestroyProduction true -s production` and `hive up -s production` (which lifts the protection), then destroy again\n";

test("hive destroy -s production is refused before the engine runs", async () => {
  const h = harness({ state: recordedUrns("production") });
  assert.equal(await h.run("destroy", "-s", "production", "--yes"), 1);
  assert.equal(h.err(), REFUSED);
  assert.deepEqual(h.runner.calls, []);
});

test("a phase's -D on production is refused too", async () => {
  const h = harness({ state: recordedUrns("production") });
  assert.equal(await h.run("build-infra", "-D", "-s", "production", "--yes"), 1);
  assert.match(h.err(), /^hive: refusing to destroy the build-infra resources of stage production: nothing was deleted/);
  assert.deepEqual(h.runner.calls, []);
});

test("with hive:allowDestroyProduction in the stack config, production is destroyed; other stages never ask", async () => {
  for (const value of ["true", '"true"']) {
    const h = harness({ state: recordedUrns("production"), stackConfig: { production: `config:\n  hive:allowDestroyProduction: ${value}\n` } });
    assert.equal(await h.run("destroy", "-s", "production", "--yes"), 0, h.err());
    assert.deepEqual(h.runner.calls.filter((c) => c.method === "destroy").length, 1);
  }
  const off = harness({ stackConfig: { production: "config:\n  hive:allowDestroyProduction: false\n" } });
  assert.equal(await off.run("destroy", "-s", "production", "--yes"), 1);
  const staging = harness();
  assert.equal(await staging.run("destroy", "-s", "staging", "--yes"), 0, staging.err());
});
