// The rendered rsyslog configuration must be accepted by the real rsyslogd (`rsyslogd -N1` checks a
// configuration without starting): the site's rules, with every service's error monitoring rules
// included, and patterns holding the characters RainerScript strings escape. Then the real rsyslogd runs the
// rules on a loopback port and files messages in the formats its senders use.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderRsyslogConf } from "../../components/repository/render";
import { renderMonitorRules } from "../../components/services/repository-files";
import { threeHivesAndRepoSite } from "../helpers/host-site-fixture";
import { everyAttributeService } from "../helpers/services-site-fixture";
import { until } from "../helpers/until";

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

// Docker's syslog driver (its default "unix" format) sends `<pri>timestamp tag[pid]: line` with no host
// name; hive-syslog in a standalone container forwards `<pri>timestamp host tag: line`. The sender's
// name does not matter: on the repository server its own address may resolve to any name, not one of the
// servers' (here 127.0.0.2, which names no server), and its own services' lines must still land in
// <service>.log.
test("rsyslogd files each sender's lines by the rules: service, inner service, standalone container", { skip: RSYSLOGD ? false : "rsyslogd is not installed (Debian package rsyslog)" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-rsyslog-run-"));
  const port = 20_000 + (process.pid % 20_000);
  const conf = renderRsyslogConf(threeHivesAndRepoSite())
    .replaceAll("/var/log/", `${dir}/`)
    .replace("/etc/rsyslog-services.d", join(dir, "none.d"))
    .replace(/input\(type="imtcp"[^\n]*\n/, "")
    .replace(/input\(type="imudp" port="\d+"/, `input(type="imudp" address="127.0.0.1" port="${port}"`);
  spawnSync("mkdir", [join(dir, "services")]);
  const main = join(dir, "hive-services.conf");
  writeFileSync(main, `global(workDirectory="${dir}")\n${conf}\n`);
  const pidFile = join(dir, "rsyslogd.pid");
  const daemon = spawn(RSYSLOGD!, ["-n", "-f", main, "-i", pidFile], { stdio: "ignore" });
  const socket = createSocket("udp4");
  try {
    await until("rsyslogd to start", () => existsSync(pidFile), 10_000);
    const stamp = "Dec  5 02:40:00";
    const lines = [
      `<134>${stamp} hello[1234]: a line of hello`,
      `<142>${stamp} inner[7]: a line of an inner service`,
      `<30>${stamp} mycontainer sshd[12]: a line of a standalone container`,
    ];
    await new Promise<void>((ok) => socket.bind({ address: "127.0.0.2" }, () => ok()));
    // UDP may drop a datagram sent before the input listens: send until every file has its line.
    await until("a line in every file", async () => {
      for (const line of lines) await new Promise<void>((ok) => socket.send(line, port, "127.0.0.1", () => ok()));
      return readdirSync(join(dir, "services")).length >= 3;
    }, 10_000);
    const services = join(dir, "services");
    const files = readdirSync(services).sort();
    // An inner service's file is named by its sender and its tag: <sender>.inner.log.
    const inner = files.find((f) => f.endsWith(".inner.log"));
    assert.deepEqual(files, ["hello.log", inner, "mycontainer.log"].sort());
    assert.match(readFileSync(join(services, "hello.log"), "utf8"), /a line of hello/);
    assert.match(readFileSync(join(services, inner!), "utf8"), /a line of an inner service/);
    assert.match(readFileSync(join(services, "mycontainer.log"), "utf8"), /a line of a standalone container/);
    assert.doesNotMatch(readFileSync(join(services, "hello.log"), "utf8"), /standalone|inner/);
  } finally {
    socket.close();
    daemon.kill();
  }
});
