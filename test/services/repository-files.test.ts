import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { userInfo } from "node:os";
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

test("install-file.sh takes a secret content on stdin and writes it readable by root only", () => {
  const se = newScriptEnv();
  const script = join(__dirname, "../../components/services/scripts/install-file.sh");
  // Owned by the user that reads it (the admin user runs the backups); here, whoever runs the test.
  const env = { HIVE_FILE_PATH: "/var/lib/hive-backup.d/.secrets/db/pw", HIVE_FILE_FROM_STDIN: "1", HIVE_FILE_MODE: "0600", HIVE_FILE_OWNER: userInfo().username };
  const first = runScript(script, se, env, { stdin: "s3cret\n" });
  assert.equal(first.status, 0, first.stderr);
  const path = join(se.root, "var/lib/hive-backup.d/.secrets/db/pw");
  assert.equal(readFileSync(path, "utf8"), "s3cret\n");
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(path).uid, userInfo().uid);
  assert.equal(runScript(script, se, env, { stdin: "s3cret\n" }).status, 0);
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
