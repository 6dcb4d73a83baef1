// The CLI runner against a stand-in pulumi CLI (fixtures/pulumi-stub.sh): proves the commands and flags it
// issues (plan files, targets, backend), that events and output arrive redacted (a program run's secrets
// from its pipe, any other operation's from CLI reads), that debug diagnostics do not leave it, that secret
// outputs are masked, and that an operation costs one CLI call once the stack exists. The real engine is exercised by the e2e suite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { LocalStackRunner } from "../../src/automation/local";
import { runOperation } from "../../src/automation/run";

const STUB = path.join(__dirname, "fixtures/pulumi-stub.sh");

function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), "hive-local-runner-"));
  mkdirSync(path.join(dir, "bin"));
  symlinkSync(STUB, path.join(dir, "bin", "pulumi"));
  mkdirSync(path.join(dir, "project"));
  writeFileSync(path.join(dir, "project", "Pulumi.yaml"), "name: stubbed\nruntime: nodejs\n");
  const log = path.join(dir, "calls.log");
  writeFileSync(log, "");
  process.env.PATH = `${path.join(dir, "bin")}:${process.env.PATH}`;
  process.env.PULUMI_STUB_LOG = log;
  process.env.PULUMI_HOME = path.join(dir, "pulumi-home");
  delete process.env.PULUMI_BACKEND_URL;
  const calls = () =>
    readFileSync(log, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("CALL"))
      .map((l) => l.split("\t").slice(1));
  return { dir, calls, project: path.join(dir, "project") };
}

test("preview saves a plan, up applies it; events and output are redacted; outputs masked", async () => {
  const { dir, calls, project } = setup();
  try {
    const runner = new LocalStackRunner({ workDir: project });
    const backend = `backend=file://${path.join(project, ".pulumi-state")}`;
    const seen: [string, unknown][] = [];
    const planFile = path.join(dir, "plan.json");
    const preview = await runOperation(runner, "preview", "staging", {
      planFile,
      targets: ["urn:pulumi:staging::stubbed::hive:swarm:SwarmCluster::swarm"],
      onEvent: (e) => seen.push(["event", e]),
      onOutput: (l) => seen.push(["output", l]),
    });
    assert.deepEqual(preview, { status: "succeeded", changes: { same: 2, update: 1 } });
    assert.deepEqual(seen.filter(([k]) => k === "output"), [
      ["output", "Previewing update (stub):"],
      ["output", "  ~ password = [secret]"],
      ["output", "  + token = [secret]"],
    ]);
    const diags = seen.map(([, e]) => e as { diagnosticEvent?: { message: string } }).filter((e) => e.diagnosticEvent);
    assert.deepEqual(diags.map((d) => d.diagnosticEvent?.message), ["uses [secret]"], "the debug diagnostic (a private key in plain text) is not passed on");
    assert.equal(readFileSync(planFile, "utf8"), '{"resourcePlans":{}}\n');

    const previewCall = calls().find((c) => c[0] === "preview")!;
    assert.equal(previewCall[previewCall.indexOf("--save-plan") + 1], planFile);
    assert.equal(previewCall[previewCall.indexOf("--target") + 1], "urn:pulumi:staging::stubbed::hive:swarm:SwarmCluster::swarm");
    assert.equal(previewCall.at(-1), `ENV ${backend} experimental=true pipe=yes`);
    assert.deepEqual(
      calls().map((c) => c[0]),
      ["preview", "stack", "preview"],
      "the program reports the secrets to mask: no CLI call reads them (the stack is made on the way)",
    );

    const before = calls().length;
    const up = await runner.up("staging", { planFile });
    assert.deepEqual(up, { status: "succeeded", changes: { same: 2, update: 1 }, outputs: { registryPassword: "[secret]", site: "pdns" } });
    assert.deepEqual(calls().slice(before).map((c) => c[0]), ["up"], "the result comes from the engine's events: no other call");
    const upCall = calls().find((c) => c[0] === "up")!;
    assert.equal(upCall[upCall.indexOf("--plan") + 1], planFile);
    assert.equal(upCall.at(-1), `ENV ${backend} experimental=true pipe=yes`);

    const errLines: string[] = [];
    const missing = await runOperation(runner, "up", "staging", { planFile: path.join(dir, "none.json"), onOutput: (l) => errLines.push(l) });
    assert.equal(missing.status, "failed");
    assert.deepEqual(errLines, [`error: could not read plan ${path.join(dir, "none.json")}`], "stderr lines are streamed too");
    assert.match(missing.error ?? "", /could not read plan/);

    assert.deepEqual(await runner.outputs("staging"), { registryPassword: "[secret]", site: "pdns" });
    await runner.cancel("staging");
    await assert.rejects(runner.outputs("never"), /no stack named 'never' found/);
    await assert.rejects(runner.cancel("never"), /no stack named 'never' found/);
    assert.ok(!calls().some((c) => c[0] === "stack" && c[1] === "init" && c[2] === "never"), "reading outputs or cancelling never creates a stack");
    const cancel = calls().find((c) => c[0] === "cancel")!;
    assert.ok(cancel.includes("--yes"), cancel.join(" "));
    const refresh = await runOperation(runner, "refresh", "staging", {});
    assert.equal(refresh.status, "succeeded");
    assert.equal(calls().find((c) => c[0] === "refresh")!.at(-1), `ENV ${backend} experimental= pipe=`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an operation that runs no program reads the secrets beside it, at a low CPU priority; the program's runs read none", async () => {
  const { dir, calls, project } = setup();
  try {
    const runner = new LocalStackRunner({ workDir: project });
    const lines: string[] = [];
    const up = await runOperation(runner, "up", "staging", { onOutput: (l) => lines.push(l) });
    assert.equal(up.status, "succeeded", up.error);
    assert.deepEqual(calls().map((c) => c[0]), ["up", "stack", "up"], "one update, its stack made on the way");
    // Written to the pipe, then printed at once: masked although the event log was not read in between.
    assert.ok(lines.includes("  + token = [secret]"), lines.join("\n"));
    const refreshed: string[] = [];
    const refresh = await runOperation(runner, "refresh", "staging", { onOutput: (l) => refreshed.push(l), onEvent: (e) => refreshed.push(JSON.stringify(e)) });
    assert.equal(refresh.status, "succeeded", refresh.error);
    assert.ok(!refreshed.some((l) => l.includes("stub-secret")), refreshed.join("\n"));
    const nice = readFileSync(process.env.PULUMI_STUB_LOG!, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("NICE"))
      .map((l) => l.split("\t").slice(1));
    const of = (command: string) => [...new Set(nice.filter(([c]) => c.startsWith(command)).map(([, n]) => n))];
    // The secrets: outputs masked and plain, and the config. The refresh reads the outputs it returns itself.
    assert.deepEqual(of("stack output --json --show-secrets"), ["10"]);
    assert.deepEqual(of("config --json --show-secrets"), ["10"]);
    assert.equal(nice.filter(([c]) => c.startsWith("stack output --json --stack")).length, 2);
    assert.deepEqual(of("refresh "), ["0"]);
    assert.deepEqual(of("up "), ["0"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a new stack is created once when the secrets read and the operation find none at the same time", async () => {
  const { dir, calls, project } = setup();
  try {
    const runner = new LocalStackRunner({ workDir: project });
    // A refresh of a stage never deployed: its three secret reads and the refresh itself find no stack at once
    // (an update or a preview reads no secrets beside it, see the test above).
    const refresh = await runOperation(runner, "refresh", "fresh", {});
    assert.equal(refresh.status, "succeeded", refresh.error);
    const creating = calls().filter((c) => c[0] === "stack" && (c[1] === "init" || c.includes("--create")));
    assert.equal(creating.length, 1, creating.map((c) => c.join(" ")).join("\n"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
