// planCommand: from a command and its options to what will be done, for every stack command.
import { test } from "node:test";
import assert from "node:assert/strict";
import { planCommand, describePlan, HALTED_KEY } from "../../src/cli/actions";
import { CliError } from "../../src/cli/context";
import { PHASES } from "../../src/cli/phases";

test("whole-stack commands: operation, stage from -s, then settings, then private", () => {
  assert.deepEqual(planCommand("up", {}, {}), {
    operation: "up",
    stage: "private",
    limit: [],
    configChanges: [],
    confirm: false,
    runsProgram: true,
  });
  assert.equal(planCommand("all", {}, { stage: "staging" }).stage, "staging");
  assert.equal(planCommand("all", { stage: "production" }, { stage: "staging" }).stage, "production");
  assert.equal(planCommand("all", {}, {}).operation, "up");
  assert.deepEqual(
    [planCommand("preview", {}, {}), planCommand("refresh", {}, {}), planCommand("destroy", {}, {})].map((p) => [p.operation, p.confirm, p.runsProgram, p.phase]),
    [
      ["preview", false, true, undefined],
      ["refresh", false, false, undefined],
      ["destroy", true, false, undefined],
    ],
  );
});

test("an unknown stage is refused, from -s or from the settings", () => {
  assert.throws(() => planCommand("up", { stage: "prod" }, {}), (e: unknown) => e instanceof CliError && /unknown stage "prod".*private, staging, production/.test(e.message));
  assert.throws(() => planCommand("up", {}, { stage: "qa" }), /unknown stage "qa"/);
});

test("each phase command is a targeted up of its phase; -C previews", () => {
  for (const phase of PHASES) {
    const plan = planCommand(phase, { stage: "staging" }, {});
    assert.equal(plan.operation, "up");
    assert.equal(plan.phase, phase);
    assert.equal(plan.confirm, false);
    assert.equal(planCommand(phase, { preview: true }, {}).operation, "preview");
  }
});

test("build-infra -H halts, a plain build-infra (or start) un-halts; halt is build-infra -H", () => {
  assert.deepEqual(planCommand("build-infra", { halt: true }, {}).configChanges, [{ key: HALTED_KEY, value: true }]);
  assert.deepEqual(planCommand("build-infra", {}, {}).configChanges, [{ key: HALTED_KEY, value: false }]);
  const halt = planCommand("halt", {}, {});
  assert.deepEqual([halt.operation, halt.phase, halt.configChanges], ["up", "build-infra", [{ key: HALTED_KEY, value: true }]]);
  const start = planCommand("start", {}, {});
  assert.deepEqual([start.operation, start.phase, start.configChanges], ["up", "build-infra", [{ key: HALTED_KEY, value: false }]]);
  assert.deepEqual(planCommand("deploy-services", {}, {}).configChanges, []);
  assert.throws(() => planCommand("deploy-services", { halt: true }, {}), /-H \(halt\) is an option of build-infra only/);
});

test("-D is a confirmed, targeted destroy of build-infra, build-volumes or deploy-services", () => {
  const plan = planCommand("build-infra", { destroy: true }, {});
  assert.deepEqual([plan.operation, plan.phase, plan.confirm, plan.runsProgram], ["destroy", "build-infra", true, false]);
  const preview = planCommand("build-volumes", { destroy: true, preview: true, limit: ["pdnsdb_data"] }, {});
  assert.deepEqual([preview.operation, preview.previewDestroy, preview.confirm, preview.limit], ["preview", true, false, ["pdnsdb_data"]]);
  assert.throws(() => planCommand("setup-hosts", { destroy: true }, {}), /-D \(destroy\) is an option of build-infra, build-volumes, deploy-services only/);
  assert.throws(() => planCommand("build-infra", { destroy: true, halt: true }, {}), /-H and -D cannot be combined/);
});

test("-l only where a phase has named parts", () => {
  assert.deepEqual(planCommand("deploy-services", { limit: ["powerdns", "pdnsdb"] }, {}).limit, ["powerdns", "pdnsdb"]);
  assert.deepEqual(planCommand("build-images", { limit: ["pdnsdb"] }, {}).limit, ["pdnsdb"]);
  assert.throws(() => planCommand("build-networks", { limit: ["x"] }, {}), /build-networks has no -l/);
  assert.throws(() => planCommand("build-infra", { limit: ["x"] }, {}), /build-infra has no -l/);
});

test("describePlan names the operation, the part and the number of targets", () => {
  const plan = planCommand("deploy-services", { stage: "staging", limit: ["powerdns"] }, {});
  assert.equal(describePlan(plan, ["a"]), "hive: up of deploy-services (limited to powerdns) on stage staging, 1 resource targeted");
  assert.equal(describePlan(planCommand("up", {}, {})), "hive: up of the whole stack on stage private");
});

test("siteParallel: a slot per service and four per server, never below 16 or above 64", async () => {
  const { siteParallel } = await import("../../src/cli/parallel");
  assert.deepEqual(
    [
      [1, 0],
      [3, 2],
      [3, 10],
      [4, 6],
      [3, 60],
      [30, 300],
    ].map(([servers, services]) => siteParallel(servers, services)),
    [16, 16, 22, 22, 64, 64],
  );
});
