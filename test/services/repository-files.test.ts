import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderBackupScript, renderMonitorRules } from "../../components/services/repository-files";
import { everyAttributeService, stagingSite } from "../helpers/services-site-fixture";
import { newScriptEnv, runScript } from "../volumes/run-script";

const snap = (f: string) => readFileSync(join(__dirname, "__snapshots__", f), "utf8");
const site = stagingSite();
const certbot = site.services.find((s) => s.name === "certbot")!;

test("backup functions of certbot (directory backup) and of a command backup", () => {
  assert.equal(renderBackupScript(certbot, site), snap("backup-certbot.sh"));
  assert.equal(renderBackupScript(everyAttributeService(), site), snap("backup-allattrs.sh"));
  assert.equal(renderBackupScript(site.services[0], site), null);
});

test("error monitoring rules", () => {
  assert.equal(renderMonitorRules(everyAttributeService()), snap("rsyslog-allattrs.conf"));
  assert.equal(
    renderMonitorRules({ ...certbot, monitorError: ['fail "x" \\d'], ignoreError: [] }),
    '# Error monitoring of service certbot, written by hive.\n' +
      'if ($syslogfacility-text == "local0" and $app-name == "certbot") and (re_match($msg, "fail \\"x\\" \\\\d")) then {\n' +
      '  action(type="omfile" file="/var/log/service-error.log" fileCreateMode="0640" fileGroup="zabbix")\n' +
      "}\n",
  );
  assert.equal(renderMonitorRules(certbot), null);
});

test("backup_<svc> streams one archive of every entry from the running task; restore_<svc> feeds it back", () => {
  const se = newScriptEnv();
  writeFileSync(join(se.state, "service-ps"), "certbot.1.abc@s-hive2\n");
  writeFileSync(join(se.root, "certbot"), renderBackupScript(certbot, site)!);
  const run = (fn: string) =>
    spawnSync("bash", ["-c", `set -euo pipefail; cd "$ROOT"; . ./certbot; ${fn}`], {
      env: { PATH: `${join(__dirname, "../images/stubs")}:/usr/bin:/bin`, ROOT: se.root, STUB_STATE: se.state, STUB_LOG: se.log },
      encoding: "utf8",
    });
  const b = run('if backup_certbot >backup.tar.gz; then echo ok; fi');
  assert.equal(b.status, 0, b.stderr);
  assert.equal(b.stdout, "ok\n");
  const list = spawnSync("tar", ["tzf", join(se.root, "backup.tar.gz")], { encoding: "utf8" });
  assert.deepEqual(list.stdout.trim().split("\n").sort(), ["./", "./certificates.tar.gz"]);
  const inner = spawnSync("tar", ["xzf", join(se.root, "backup.tar.gz"), "-O", "./certificates.tar.gz"], { encoding: "utf8" });
  assert.equal(inner.stdout, "output of: cd '/etc/letsencrypt' && tar czf - $(find . -maxdepth 1 -not -name .)\n");
  const calls = readFileSync(se.log, "utf8").trim().split("\n");
  assert.ok(calls[calls.length - 1].startsWith("docker -H tcp://s-hive2.pdns:2376 --tlsverify exec -i certbot.1.abc sh -c "), calls.join("\n"));
  const r = run("restore_certbot <backup.tar.gz");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(se.state, "exec-stdin"), "utf8"), inner.stdout);
});

test("a failing step makes backup_<svc> fail even when called in an if (no set -e there)", () => {
  const se = newScriptEnv();
  writeFileSync(join(se.root, "certbot"), renderBackupScript(certbot, site)!);
  const b = spawnSync("bash", ["-c", '. ./certbot; if backup_certbot >/dev/null; then echo ok; else echo failed; fi'], {
    cwd: se.root,
    env: { PATH: `${join(__dirname, "../images/stubs")}:/usr/bin:/bin`, STUB_STATE: se.state, STUB_LOG: se.log },
    encoding: "utf8",
  });
  assert.equal(b.stdout, "failed\n");
  assert.match(b.stderr, /no running task of certbot/);
});

test("install-file.sh writes once, restarts the unit only on change, and deletes", () => {
  const se = newScriptEnv();
  const script = join(__dirname, "../../components/services/scripts/install-file.sh");
  writeFileSync(join(se.state, "active"), "");
  const env = { HIVE_FILE_PATH: "/etc/rsyslog-services.d/x.conf", HIVE_FILE_CONTENT: "a\nb\n", HIVE_RESTART_UNIT: "rsyslog" };
  const first = runScript(script, se, env);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(readFileSync(join(se.root, "etc/rsyslog-services.d/x.conf"), "utf8"), "a\nb\n");
  assert.deepEqual(first.calls, ["systemctl is-active rsyslog", "systemctl restart rsyslog"]);
  const second = runScript(script, se, env);
  assert.deepEqual(second.calls, []);
  const changed = runScript(script, se, { ...env, HIVE_FILE_CONTENT: "c\n" });
  assert.deepEqual(changed.calls, ["systemctl is-active rsyslog", "systemctl restart rsyslog"]);
  const del = runScript(script, se, { ...env, HIVE_ACTION: "delete" });
  assert.equal(del.status, 0, del.stderr);
  assert.equal(existsSync(join(se.root, "etc/rsyslog-services.d/x.conf")), false);
  assert.deepEqual(runScript(script, se, { ...env, HIVE_ACTION: "delete" }).calls, []);
});
