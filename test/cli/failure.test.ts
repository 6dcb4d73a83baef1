import { test } from "node:test";
import assert from "node:assert/strict";
import { errorDiagnostics, failureReport, missingPluginHint, withoutScript } from "../../src/cli/failure";

const script = "set -euo pipefail\\nhive_log() { printf x; }\\n".repeat(200);
const stepError =
  `Process exited with status 1: running "sudo -n env 'HIVE_STEP=docker' bash -c '${script}' 'docker'":\n` +
  Array.from({ length: 30 }, (_, i) => `docker: line ${i}`).join("\n") +
  "\ndocker: error: /etc/pki/tls/certs/s-hive0.pdns.crt missing\n";
const urn = "urn:pulumi:private::hive::hive:site:Site$hive:host:HostSetup$command:remote:Command::pdns-s-hive0-docker";

test("a failed step names stage, phase and resource and shows its last output lines, not its script", () => {
  const events = [
    { diagnosticEvent: { urn, severity: "error", message: stepError } },
    { diagnosticEvent: { urn, severity: "info", message: "noise" } },
    { diagnosticEvent: { urn: "urn:pulumi:private::hive::pulumi:pulumi:Stack::hive-private", severity: "error", message: "update failed" } },
  ];
  const report = failureReport("up", "private", errorDiagnostics(events), "Duration: 2m41s");
  const lines = report.split("\n");
  assert.equal(lines[0], "up failed on stage private:");
  assert.equal(lines[1], "  setup-hosts: pdns-s-hive0-docker (command:remote:Command)");
  assert.equal(lines[2], "    Process exited with status 1");
  assert.match(report, /docker: error: \/etc\/pki\/tls\/certs\/s-hive0.pdns.crt missing$/);
  assert.ok(!report.includes("hive_log"), "the script is not repeated");
  assert.ok(!report.includes("docker: line 21"), "only the last lines");
  assert.ok(!report.includes("Duration"));
});

test("without resource diagnostics the engine's error lines are shown, not its last summary line", () => {
  const report = failureReport("up", "staging", [], "Updating (staging)\nerror: an unhandled error occurred: boom\nDuration: 3s\n");
  assert.equal(report, "up failed on stage staging:\n  error: an unhandled error occurred: boom");
});

test("a missing provider plugin says which one and how to install it", () => {
  const text = "error: could not load plugin for aws provider 'urn:…': no resource plugin 'pulumi-resource-aws' found in the workspace at version v7.48.0 or on your $PATH, install the plugin using `pulumi plugin install resource aws v7.48.0`";
  assert.equal(missingPluginHint(text), "the resource plugin aws v7.48.0 is not installed: install it with `pulumi plugin install resource aws v7.48.0` (or put pulumi-resource-aws on PATH)");
  assert.match(failureReport("preview", "staging", [], text), /^preview failed on stage staging: the resource plugin aws v7\.48\.0 is not installed/);
  assert.equal(missingPluginHint("error: something else"), null);
});

test("withoutScript keeps messages that are not command errors", () => {
  assert.equal(withoutScript("plain error\n"), "plain error");
});
