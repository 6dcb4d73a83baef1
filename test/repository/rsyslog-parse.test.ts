// The rendered rsyslog configuration must be accepted by the real rsyslogd (`rsyslogd -N1` checks a
// configuration without starting): the site's rules, with every service's error monitoring rules
// included, and patterns holding the characters RainerScript strings escape.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderRsyslogConf } from "../../components/repository/render";
import { renderMonitorRules } from "../../components/services/repository-files";
import { threeHivesAndRepoSite } from "../helpers/host-site-fixture";
import { everyAttributeService } from "../helpers/services-site-fixture";

const RSYSLOGD = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"].find((f) => spawnSync(f, ["-v"]).status === 0);

function check(main: string): { status: number | null; output: string } {
  const r = spawnSync(RSYSLOGD!, ["-N1", "-f", main], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test("rsyslogd accepts the site's rules with the services' monitoring rules", { skip: RSYSLOGD ? false : "rsyslogd is not installed (Debian package rsyslog)" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-rsyslog-"));
  const rules = join(dir, "services.d");
  spawnSync("mkdir", [rules]);
  const service = { ...everyAttributeService(), monitorError: ["ERROR$", 'fail "x" \\d+', "^\\$HOME"], ignoreError: ["harmless$"] };
  // The rules write the error log with group zabbix, which the Zabbix agent package creates on the
  // repository server; this machine checks the syntax with a group it has.
  writeFileSync(join(rules, `${service.name}.conf`), renderMonitorRules(service)!.replace('fileGroup="zabbix"', 'fileGroup="root"'));
  const main = join(dir, "hive-services.conf");
  writeFileSync(main, renderRsyslogConf(threeHivesAndRepoSite()).replace("/etc/rsyslog-services.d", rules));
  const result = check(main);
  assert.equal(result.status, 0, result.output);
  assert.doesNotMatch(result.output, /error/i);
});

test("rsyslogd refuses a bare $ in a double-quoted string (so the check above can fail)", { skip: RSYSLOGD ? false : "rsyslogd is not installed (Debian package rsyslog)" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-rsyslog-"));
  const main = join(dir, "bad.conf");
  writeFileSync(main, 'if re_match($hostname, "^x$") then { stop }\n');
  const result = check(main);
  assert.notEqual(result.status, 0);
  assert.match(result.output, /\$-sign in double quotes must be escaped/);
});
