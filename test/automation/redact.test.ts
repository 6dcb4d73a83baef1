import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createRedactor, publicOutputs, stringLeaves } from "../../src/automation/redact";
import { runOperation } from "../../src/automation/run";
import { resolveBackendUrl } from "../../src/automation/local";
import { lineSplitter } from "../../src/automation/lines";
import { ScriptedStackRunner } from "../../src/automation/scripted";

test("publicOutputs masks secret outputs and keeps the rest, sorted by name", () => {
  assert.deepEqual(
    publicOutputs({ b: { value: { user: "u", pass: "p" }, secret: true }, a: { value: [1, 2], secret: false } }),
    { a: [1, 2], b: "[secret]" },
  );
});

test("stringLeaves collects every scalar of a nested value", () => {
  assert.deepEqual(stringLeaves({ a: ["x", { b: 7 }], c: true, d: null }), ["x", "7", "true"]);
});

test("createRedactor masks every occurrence, longest secret first, in strings and nested values", () => {
  const redact = createRedactor(["hunter2-long", "hunter2", "abc"]);
  assert.equal(redact("pw=hunter2-long and hunter2, abc"), "pw=[secret] and [secret], abc");
  assert.deepEqual(redact({ m: ["x hunter2 y", 3], n: { o: "hunter2hunter2" } }), { m: ["x [secret] y", 3], n: { o: "[secret][secret]" } });
  assert.equal(createRedactor([])("hunter2"), "hunter2");
});

test("property: no secret survives redaction", () => {
  // Secrets drawn without the mask's characters, so the mask itself cannot spell one.
  const secret = fc.stringMatching(/^[0-9A-Z]{4,12}$/);
  fc.assert(
    fc.property(fc.array(secret, { minLength: 1, maxLength: 4 }), fc.array(fc.string()), (secrets, filler) => {
      const text = filler.map((f, i) => f + secrets[i % secrets.length]).join("|") + secrets.join("");
      const out = createRedactor(secrets)(text);
      for (const s of secrets) assert.ok(!out.includes(s), `${s} survived in ${out}`);
    }),
  );
});

test("lineSplitter emits whole lines across chunks and the rest on flush", () => {
  const lines: string[] = [];
  const s = lineSplitter((l) => lines.push(l));
  s.push("a\nb");
  s.push("c\r\n\nd");
  assert.deepEqual(lines, ["a", "bc", ""]);
  s.flush();
  assert.deepEqual(lines, ["a", "bc", "", "d"]);
});

test("resolveBackendUrl: explicit, then PULUMI_BACKEND_URL, then a folder in the project", () => {
  assert.equal(resolveBackendUrl("/p", "s3://b", { PULUMI_BACKEND_URL: "file:///x" }), "s3://b");
  assert.equal(resolveBackendUrl("/p", undefined, { PULUMI_BACKEND_URL: "file:///x" }), "file:///x");
  assert.equal(resolveBackendUrl("/p", undefined, {}), "file:///p/.pulumi-state");
});

test("runOperation redacts events, output, results and errors, and reports aborts as cancelled", async () => {
  const runner = new ScriptedStackRunner({
    outputs: { key: { value: "private-key-material", secret: true } },
    secretConfig: ["config-secret"],
    steps: { up: [{ event: { text: "uses private-key-material" } }, { output: "config-secret here" }] },
    fail: { refresh: "refresh failed near config-secret" },
    waitForAbort: ["destroy"],
  });
  const seen: unknown[] = [];
  const up = await runOperation(runner, "up", "s", { onEvent: (e) => seen.push(e), onOutput: (l) => seen.push(l) });
  assert.deepEqual(seen, [{ text: "uses [secret]" }, "[secret] here"]);
  assert.deepEqual(up, { status: "succeeded", changes: { same: 1 }, outputs: { key: "[secret]" } });
  assert.deepEqual(await runOperation(runner, "refresh", "s", {}), { status: "failed", error: "refresh failed near [secret]" });
  const controller = new AbortController();
  const pending = runOperation(runner, "destroy", "s", { signal: controller.signal });
  controller.abort();
  assert.deepEqual(await pending, { status: "cancelled", error: "update cancelled" });
});

test("a run whose program reports its secrets is masked with them as they come, and reads no others", async () => {
  const runner = new ScriptedStackRunner({
    outputs: { key: { value: "old-output-secret", secret: true } },
    programSecrets: ["fresh-password"],
    steps: { up: [{ output: "set fresh-password" }], refresh: [{ output: "read old-output-secret" }] },
  });
  const seen: string[] = [];
  assert.equal((await runOperation(runner, "up", "s", { onOutput: (l) => seen.push(l) })).status, "succeeded");
  assert.deepEqual(seen, ["set [secret]"]);
  assert.ok(!runner.calls.some((c) => c.method === "secretValues"), "no CLI read of the secrets beside a program run");
  assert.equal((await runOperation(runner, "refresh", "s", { onOutput: (l) => seen.push(l) })).status, "succeeded");
  assert.equal(seen.at(-1), "read [secret]", "an operation without a program reads them");
  assert.equal(runner.calls.filter((c) => c.method === "secretValues").length, 1);
});

test("runOperation reads the secrets while the operation starts: what comes first waits and is masked; unreadable secrets stop it", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const runner = new ScriptedStackRunner({
    outputs: { key: { value: "private-key-material", secret: true } },
    steps: { up: [{ output: "first private-key-material" }, { output: "second" }] },
  });
  const slow: typeof runner.secretValues = async (stage) => {
    await gate;
    return ScriptedStackRunner.prototype.secretValues.call(runner, stage);
  };
  runner.secretValues = slow;
  const seen: string[] = [];
  const pending = runOperation(runner, "up", "s", { onOutput: (l) => seen.push(l) });
  // The operation ran to its end while the secrets were still being read: nothing was shown yet.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(runner.calls.filter((c) => c.method === "up").length, 1);
  assert.deepEqual(seen, []);
  release();
  assert.equal((await pending).status, "succeeded");
  assert.deepEqual(seen, ["first [secret]", "second"]);

  const broken = new ScriptedStackRunner({ steps: { up: [{ output: "anything" }] } });
  broken.secretValues = () => Promise.reject(new Error("passphrase is wrong"));
  const lines: string[] = [];
  assert.deepEqual(await runOperation(broken, "up", "s", { onOutput: (l) => lines.push(l) }), {
    status: "failed",
    error: "the stage's secrets could not be read, so nothing ran: passphrase is wrong",
  });
  assert.deepEqual(lines, []);
});
