// The stack commands end to end through runCli with a scripted runner: argument parsing, targets,
// confirmation, config changes, JSON output and the error paths.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { harness, recordedUrns } from "./helpers";

const ops = (h: ReturnType<typeof harness>) => h.runner.calls.filter((c) => !["secretValues", "outputs", "cancel"].includes(c.method));

test("up runs the whole stack on the default stage and streams the engine's output", async () => {
  const h = harness({ runner: { steps: { up: [{ output: "Updating (private):" }, { output: "  + hive:site:Site pdns created" }] } } });
  assert.equal(await h.run("up"), 0, h.err());
  assert.deepEqual(ops(h), [{ method: "up", stage: "private" }]);
  assert.match(h.out(), /^hive: up of the whole stack on stage private\nUpdating \(private\):\n {2}\+ hive:site:Site pdns created\nhive: up succeeded: same 1\n$/);
});

test("all = up; preview, refresh on the stage from -s or from `hive set stage`", async () => {
  const h = harness();
  assert.equal(await h.run("set", "stage", "staging"), 0, h.err());
  assert.equal(await h.run("all"), 0, h.err());
  assert.equal(await h.run("preview", "-s", "private"), 0, h.err());
  assert.equal(await h.run("refresh"), 0, h.err());
  assert.deepEqual(ops(h).map((c) => `${c.method} ${c.stage}`), ["up staging", "preview private", "refresh staging"]);
});

test("--json prints the result on stdout and the progress on stderr", async () => {
  const h = harness({ runner: { steps: { up: [{ output: "progress line" }] }, outputs: { site: { value: "pdns", secret: false }, key: { value: "s3cr3t-key", secret: true } } } });
  assert.equal(await h.run("up", "--json", "-s", "staging"), 0, h.err());
  const result = JSON.parse(h.out()) as Record<string, unknown>;
  assert.deepEqual(result, { stage: "staging", operation: "up", phase: null, targets: null, status: "succeeded", changes: { same: 1 }, outputs: { key: "[secret]", site: "pdns" } });
  assert.match(h.err(), /progress line/);
});

test("a phase command targets its resources from the state and the plan, narrowed by -l", async () => {
  const urns = recordedUrns("staging");
  const state = urns.filter((u) => !u.includes("pdnsdb-service"));
  const planned = urns.filter((u) => u.includes("hive:services:"));
  const h = harness({ state, planned });
  assert.equal(await h.run("deploy-services", "-s", "staging", "-l", "pdnsdb"), 0, h.err());
  const W = "urn:pulumi:staging::hive::hive:site:Site$hive:services:Workloads";
  // The service's own resources and the stage's providers (the engine configures every provider); the
  // parents are in the state already.
  assert.deepEqual(ops(h), [
    {
      method: "up",
      stage: "staging",
      targets: [
        `${W}$hive:services:SwarmService$docker:index/service:Service::pdns-workloads-service-pdnsdb-service`,
        `${W}$hive:services:SwarmService::pdns-workloads-service-pdnsdb`,
        `${W}$pulumi:providers:docker::pdns-workloads-docker-s-hive0`,
      ],
    },
  ]);
  assert.match(h.out(), /up of deploy-services \(limited to pdnsdb\) on stage staging, 3 resources targeted/);

  const all = harness({ state: urns });
  assert.equal(await all.run("initialize-services", "-s", "staging", "-C"), 0, all.err());
  assert.deepEqual(ops(all)[0].targets?.filter((t) => !t.includes("$pulumi:providers:")), [`${W}$hive:services:ServiceInit::pdns-workloads-init-powerdns`]);
});

test("-l accepts commas and repetition", async () => {
  const h = harness({ state: recordedUrns("private").map((u) => u.replace(/:staging:/, ":private:")) });
  assert.equal(await h.run("deploy-services", "-l", "powerdns,pdnsdb"), 0, h.err());
  // Two resources of each service, and the docker provider.
  assert.equal(ops(h)[0].targets?.length, 4 + 1);
  const h2 = harness({ state: recordedUrns("private") });
  assert.equal(await h2.run("deploy-services", "-l", "powerdns", "-l", "pdnsdb"), 0, h2.err());
  assert.deepEqual(ops(h2)[0].targets, ops(h)[0].targets);
});

test("a phase with nothing to target runs nothing (never the whole stack): done, unless -l named what is not there", async () => {
  const h = harness({ state: [] });
  assert.equal(await h.run("build-networks"), 0, h.err());
  assert.match(h.out(), /^hive: the site has no resources of build-networks on stage private: nothing to do$/m);
  assert.deepEqual(ops(h), []);
  const limited = harness({ state: recordedUrns("private") });
  assert.equal(await limited.run("deploy-services", "-l", "nosuch"), 1);
  assert.match(limited.err(), /no resources of deploy-services named nosuch/);
});

test("a failing plan run falls back to the state with a warning", async () => {
  const h = harness({ state: recordedUrns("private") });
  h.deps.plannedResources = async () => {
    throw new Error("hive plan failed: boom");
  };
  assert.equal(await h.run("build-images"), 0, h.err());
  assert.match(h.err(), /warning: hive plan failed: boom; targeting the resources in the state only/);
  assert.equal(ops(h)[0].targets?.filter((t) => t.includes("hive:images:")).length, 2);
});

test("a failing plan run with nothing in the state is an error, never `nothing to do`", async () => {
  const h = harness({ state: [] });
  h.deps.plannedResources = async () => {
    throw new Error("hive plan failed: a role is missing");
  };
  assert.equal(await h.run("build-infra"), 1);
  assert.match(h.err(), /cannot tell what build-infra covers on stage private: the program's plan failed \(above\) and the state holds none of it/);
  assert.deepEqual(ops(h), []);
});

test("build-infra -H sets hive:halted true in Pulumi.<stage>.yaml, a plain build-infra sets it back", async () => {
  const h = harness({ state: recordedUrns("staging"), stackConfig: { staging: "# staging\nconfig:\n  hive:inventory: inventory\n" } });
  assert.equal(await h.run("build-infra", "-s", "staging", "-H"), 0, h.err());
  const file = join(h.root, "Pulumi.staging.yaml");
  assert.equal(readFileSync(file, "utf8"), "# staging\nconfig:\n  hive:inventory: inventory\n  hive:halted: true\n");
  assert.deepEqual(ops(h)[0].targets?.filter((t) => t.includes("hive:infra:")), [
    "urn:pulumi:staging::hive::hive:site:Site$hive:infra:AwsHostFleet$aws:ec2/instance:Instance::pdns-aws-s-hive0",
    "urn:pulumi:staging::hive::hive:site:Site$hive:infra:AwsHostFleet$aws:ec2/vpc:Vpc::pdns-aws-vpc",
    "urn:pulumi:staging::hive::hive:site:Site$hive:infra:AwsHostFleet::pdns-aws",
  ]);
  assert.equal(await h.run("start", "-s", "staging"), 0, h.err());
  assert.match(readFileSync(file, "utf8"), /hive:halted: false/);
  assert.equal(await h.run("halt", "-s", "staging"), 0, h.err());
  assert.match(readFileSync(file, "utf8"), /hive:halted: true/);
  assert.deepEqual(ops(h).map((c) => c.method), ["up", "up", "up"]);
});

test("a plain build-infra on a stack never halted leaves the config file alone", async () => {
  const h = harness({ state: recordedUrns("private") });
  assert.equal(await h.run("build-infra"), 0, h.err());
  assert.equal(existsSync(join(h.root, "Pulumi.private.yaml")), false);
});

test("build-infra -D destroys only the build-infra resources, after --yes or a confirmation", async () => {
  const urns = recordedUrns("staging");
  const noTty = harness({ state: urns });
  assert.equal(await noTty.run("build-infra", "-D", "-s", "staging"), 1);
  assert.equal(noTty.err(), "hive: destroy of build-infra needs --yes when not run from a terminal\n");
  assert.deepEqual(ops(noTty), []);

  const declined = harness({ state: urns, isTTY: true, answer: false });
  assert.equal(await declined.run("build-infra", "-D", "-s", "staging"), 1);
  assert.deepEqual(declined.confirmations, ["Destroy the build-infra resources of stage staging?"]);
  assert.match(declined.err(), /cancelled: nothing was destroyed/);
  assert.deepEqual(ops(declined), []);

  const yes = harness({ state: urns, planned: ["urn:pulumi:staging::hive::hive:site:Site$hive:infra:AwsHostFleet$aws:ec2/eip:Eip::pdns-aws-planned-only"] });
  assert.equal(await yes.run("build-infra", "-D", "--yes", "-s", "staging"), 0, yes.err());
  const [call] = ops(yes);
  assert.equal(call.method, "destroy");
  assert.equal(call.targets?.length, 3);
  assert.ok(call.targets?.every((t) => t.includes("hive:infra:")), "nothing outside build-infra");
  assert.ok(!call.targets?.some((t) => t.includes("planned-only")), "a destroy targets only what exists");

  const confirmed = harness({ state: urns, isTTY: true, answer: true });
  assert.equal(await confirmed.run("build-infra", "-D", "-s", "staging"), 0, confirmed.err());
  assert.equal(ops(confirmed)[0].method, "destroy");
});

test("destroy of the whole stack needs --yes without a terminal", async () => {
  const h = harness();
  assert.equal(await h.run("destroy"), 1);
  assert.match(h.err(), /destroy of the whole stack needs --yes/);
  assert.equal(await h.run("destroy", "-y"), 0, h.err());
  assert.deepEqual(ops(h), [{ method: "destroy", stage: "private" }]);
});

test("parse errors: unknown options, -l where there is none, a bad stage", async () => {
  const h = harness();
  assert.equal(await h.run("build-networks", "-l", "x"), 1);
  assert.match(h.err(), /unknown option '-l'/);
  assert.equal(await h.run("setup-hosts", "-D"), 1);
  assert.match(h.err(), /unknown option '-D'/);
  assert.equal(await h.run("up", "-s", "qa"), 1);
  assert.match(h.err(), /hive: unknown stage "qa": the stages are private, staging, production\n$/);
  assert.equal(await h.run("nosuch"), 1);
  assert.match(h.err(), /unknown command 'nosuch'/);
  assert.deepEqual(ops(h), []);
});

test("a stage missing in the hive definition: the inventory layer's message, nothing runs", async () => {
  const h = harness();
  const hiveYml = join(h.root, "inventory", "hive.yml");
  const text = readFileSync(hiveYml, "utf8");
  writeFileSync(hiveYml, text.slice(0, text.indexOf("  production:")));
  assert.equal(await h.run("up", "-s", "production"), 1);
  assert.match(h.err(), /^hive: .*inventory\/hive\.yml:\d+:\d+: stages\.production:? (is )?not defined; defined stages: private, staging\n$/);
  assert.deepEqual(ops(h), []);
});

test("the inventory comes from -i, else hive:inventory in Pulumi.<stage>.yaml", async () => {
  const h = harness({ inventory: false, stackConfig: { private: "config:\n  hive:inventory: nowhere\n" } });
  assert.equal(await h.run("preview"), 1);
  assert.match(h.err(), /nowhere:1:1: inventory folder not found/);
  assert.equal(await h.run("preview", "-i", join(__dirname, "../../examples/pdns/inventory")), 0, h.err());
});

test("the engine's lock error becomes a message naming hive unlock; unlock cancels", async () => {
  const h = harness({ runner: { fail: { up: "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`." } } });
  assert.equal(await h.run("up", "-s", "staging"), 1);
  assert.match(h.err(), /^hive: stage staging is locked by another update: .*`hive unlock -s staging` \(= `pulumi cancel -s staging`\)\n$/);
  assert.equal(await h.run("unlock", "-s", "staging"), 0, h.err());
  assert.deepEqual(h.runner.calls.at(-1), { method: "cancel", stage: "staging" });
});

test("other failures name the operation and the engine's error lines; no Pulumi CLI stops before anything runs", async () => {
  const h = harness({ runner: { fail: { refresh: "boom\nerror: provider failed\nDuration: 3s" } } });
  assert.equal(await h.run("refresh"), 1);
  assert.equal(h.err(), "hive: refresh failed on stage private:\n  error: provider failed\n");
  const none = harness({
    checkPulumi: () => {
      throw new (require("../../src/cli/context").CliError)("the Pulumi CLI was not found", 2);
    },
  });
  assert.equal(await none.run("up"), 2);
  assert.deepEqual(ops(none), []);
});

test("outputs: secrets masked, --show-secrets shows them, --json", async () => {
  const outputs = { site: { value: "pdns", secret: false }, registryPassword: { value: "reg-pass-123", secret: true }, ssh_config: { value: "Host a\n  HostName 1.2.3.4", secret: false } };
  const h = harness({ runner: { outputs }, outputs });
  assert.equal(await h.run("outputs"), 0, h.err());
  assert.equal(h.out(), "registryPassword: [secret]\nsite: pdns\nssh_config:\n  Host a\n    HostName 1.2.3.4\n");
  const j = harness({ runner: { outputs }, outputs });
  assert.equal(await j.run("outputs", "--json", "--show-secrets"), 0, j.err());
  assert.deepEqual(JSON.parse(j.out()), { registryPassword: "reg-pass-123", site: "pdns", ssh_config: "Host a\n  HostName 1.2.3.4" });
});

test("engine parallelism: one slot per service and four per server (16..64), else hive:parallel, else --parallel", async () => {
  const h = harness();
  // pdns in staging: 4 servers and 6 services.
  assert.equal(await h.run("up", "-s", "staging"), 0, h.err());
  assert.equal(await h.run("preview", "-s", "staging", "--parallel", "3"), 0, h.err());
  assert.equal(await h.run("set", "parallel", "40", "-s", "staging"), 0, h.err());
  assert.equal(await h.run("up", "-s", "staging"), 0, h.err());
  assert.equal(await h.run("up", "-s", "staging", "--parallel", "5"), 0, h.err());
  // destroy does not load the inventory: the lower bound, or what the stack config says.
  assert.equal(await h.run("destroy", "-s", "private", "--yes"), 0, h.err());
  assert.deepEqual(h.runner.parallels, [22, 3, 40, 5, 16]);
  assert.equal(await h.run("up", "-s", "staging", "--parallel", "0"), 1);
  assert.match(h.err(), /--parallel: a whole number of at least 1 is expected, got "0"/);
});

test("deploy-services creates the allocation ledger too: nothing depends on it, so no phase would as support", async () => {
  const urns = recordedUrns("staging");
  const ledger = "urn:pulumi:staging::hive::hive:site:Site$hive:services:Workloads$hive:services:AllocationLedger::pdns-workloads-ledger";
  const h = harness({ state: urns, planned: [...urns, ledger] });
  assert.equal(await h.run("deploy-services", "-s", "staging"), 0, h.err());
  assert.ok(ops(h)[0].targets?.includes(ledger), (ops(h)[0].targets ?? []).join("\n"));
});
