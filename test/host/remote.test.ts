import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { remoteCommand, scriptText, secretsStdin, shellQuote, SCRIPTS } from "../../components/host/remote";
import { existsSync } from "node:fs";
import { componentPath } from "../../components/host/remote";

test("shellQuote survives a round trip through bash for awkward text", () => {
  for (const word of ["plain", "it's", "a'b'c", "$HOME `x` \"q\"", "multi\nline\n", ""]) {
    const out = spawnSync("bash", ["-c", `printf '%s' ${shellQuote(word)}`], { encoding: "utf8" }).stdout;
    assert.equal(out, word);
  }
});

test("remoteCommand: sudo, sorted parameters, the script and the step name", () => {
  assert.equal(
    remoteCommand("hosts", "echo \"$B\" 'x'", { B: "2", A: "it's" }, false),
    `sudo -n env 'HIVE_STEP=hosts' 'A=it'\\''s' 'B=2' bash -c 'echo "$B" '\\''x'\\''' 'hosts'`,
  );
  assert.equal(remoteCommand("s", "true", {}, true), `env 'HIVE_STEP=s' bash -c 'true' 's'`);
  assert.throws(() => remoteCommand("s", "true", { "bad name": "x" }, true), /invalid environment variable name "bad name"/);
});

test("remoteCommand runs under bash with the parameters in the environment", () => {
  const cmd = remoteCommand("t", 'printf "%s|%s" "$HIVE_STEP" "$MSG"', { MSG: "a b 'c'\nd" }, true);
  assert.equal(spawnSync("bash", ["-c", cmd], { encoding: "utf8" }).stdout, "t|a b 'c'\nd");
});

test("secretsStdin: base64 lines in name order", () => {
  assert.equal(secretsStdin({ B: "two\nlines", A: "x" }), "A=eA==\nB=dHdvCmxpbmVz\n");
  assert.notEqual(secretsStdin({ A: "x" }), secretsStdin({ A: "y" }));
});

test("remoteCommand: the text depends on the script and every parameter, not on key order", () => {
  const t = remoteCommand("s", "script", { A: "1", B: "2" }, false);
  assert.equal(remoteCommand("s", "script", { B: "2", A: "1" }, false), t);
  assert.notEqual(remoteCommand("s", "script2", { A: "1", B: "2" }, false), t);
  assert.notEqual(remoteCommand("s", "script", { A: "1", B: "3" }, false), t);
  assert.notEqual(remoteCommand("s", "script", { A: "1=B", B: "" }, false), remoteCommand("s", "script", { A: "1", B: "=B" }, false));
});

test("every script kind names existing files, lib.sh first when it uses the helpers", () => {
  for (const [kind, files] of Object.entries(SCRIPTS)) {
    for (const f of files) assert.ok(existsSync(componentPath(f)), `${kind}: ${f}`);
    const text = scriptText(kind as keyof typeof SCRIPTS);
    if (text.includes("hive_changed ")) assert.equal(files[0], "host/scripts/lib.sh", kind);
  }
});
