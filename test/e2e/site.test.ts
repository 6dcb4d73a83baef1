// The whole test site on the real engine, language host and providers, against the Debian 13 servers
// of scripts/e2e/servers.sh, which reach the package registries only through the suite's proxy: a first
// `hive up` builds everything (Docker and the Zabbix agent from Debian, the registry and Zabbix from the
// images built of Debian packages), a second one has nothing to do, a change to lib.sh updates steps and
// replaces or deletes none (Zabbix and the registry keep running), one service's environment changes
// exactly that service, and destroy then up again works on the same servers. One service's image is built
// by an Ansible role on the repository server and pulled from the site registry. Times go to the log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { engineMissingReason, loadE2eEnv, projectCopy, pulumiOk, repoRoot } from "./harness";

const cache = process.env.HIVE_E2E_CACHE ?? join(homedir(), ".cache/hive/e2e");
const key = join(cache, "ssh/id_ed25519");
const proxyLog = join(process.env.HIVE_E2E_RUN ?? "/tmp/hive-e2e", "proxy.log");
const stateDir = mkdtempSync(join(tmpdir(), "hive-e2e-state-"));
const env = loadE2eEnv(stateDir);
const SERVERS = ["10.88.0.11", "10.88.0.12", "10.88.0.13"];
const REPOSITORY = "10.88.0.13";

function ssh(ip: string, command: string): { status: number | null; out: string } {
  const r = spawnSync(
    "ssh",
    ["-i", key, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5", `admin@${ip}`, command],
    { encoding: "utf8", timeout: 120_000 },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function skipReason(): string | undefined {
  const engine = engineMissingReason(env, ["command", "random", "tls", "docker"]);
  if (engine) return engine;
  if (ssh(SERVERS[0], "true").status !== 0) return `${SERVERS[0]} does not answer ssh (scripts/e2e/servers.sh up)`;
  if (!existsSync(proxyLog)) return `no proxy log at ${proxyLog}: the suite's proxy is not running (scripts/e2e/servers.sh up)`;
  const images = ssh(REPOSITORY, "sudo docker image inspect hive-e2e/registry:2 hive-e2e/zabbix-server-mysql:7.0 hive-e2e/zabbix-web-nginx-mysql:7.0 hive-e2e/zabbix-db:11 >/dev/null");
  if (images.status !== 0) return "the repository images are not loaded on s3 (scripts/e2e/images.sh build, then servers.sh up)";
  return undefined;
}
const missing = skipReason();
if (missing) console.log(`# site test skipped: ${missing}`);

interface HiveRun {
  status: number | null;
  out: string;
  seconds: number;
  changes: Record<string, number>;
}

function hive(dir: string, args: string[]): HiveRun {
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(dir, "bin/hive.js"), ...args], { cwd: dir, env, encoding: "utf8", timeout: 1_800_000 });
  const out = `${r.stdout}${r.stderr}`;
  const changes: Record<string, number> = {};
  const summary = /succeeded: (.*)$/m.exec(out)?.[1] ?? "";
  for (const m of summary.matchAll(/([a-z]+) (\d+)/g)) changes[m[1]] = Number(m[2]);
  return { status: r.status, out, seconds: (Date.now() - started) / 1000, changes };
}

/** Everything but unchanged resources: what an update did. */
function changed(run: HiveRun): Record<string, number> {
  return Object.fromEntries(Object.entries(run.changes).filter(([kind]) => kind !== "same"));
}

function proxyBytes(): number {
  return statSync(proxyLog).size;
}

/** Zabbix's API on the repository server, asked from the server itself. */
function zabbixApi(method: string, params: unknown, auth?: string): unknown {
  const body = JSON.stringify({ jsonrpc: "2.0", method, params, id: 1 });
  const header = auth === undefined ? "" : ` -H 'Authorization: Bearer ${auth}'`;
  const r = ssh(REPOSITORY, `curl -fsS -H 'Content-Type: application/json-rpc'${header} -d '${body}' http://127.0.0.1:10052/api_jsonrpc.php`);
  assert.equal(r.status, 0, r.out);
  const reply = JSON.parse(r.out) as { result?: unknown; error?: unknown };
  assert.ok(reply.error === undefined, JSON.stringify(reply.error));
  return reply.result;
}

function assertRepositoryRuns(): void {
  // TLS with the site CA, and a password: an anonymous request is refused with 401.
  const registry = ssh(REPOSITORY, "curl -s -o /dev/null -w '%{http_code}' --cacert /etc/pki/tls/certs/hive-ca.pem https://p-hive2.e2e:5000/v2/");
  assert.equal(registry.out.trim(), "401", registry.out);
  const token = zabbixApi("user.login", { username: "Admin", password: "zabbix" }) as string;
  const hosts = (zabbixApi("host.get", { output: ["host"], selectParentTemplates: ["name"] }, token) as { host: string; parentTemplates: { name: string }[] }[])
    .map((h) => `${h.host}: ${h.parentTemplates.map((t) => t.name).sort().join(", ")}`)
    .filter((line) => line.startsWith("p-hive"))
    .sort();
  // (Zabbix's own "Zabbix server" host is still there: hive-builder deleted it, hive does not yet.)
  assert.equal(hosts.length, 3, hosts.join("\n"));
  for (const [i, line] of hosts.entries()) assert.match(line, new RegExp(`^p-hive${i}\\.e2e: .*Linux by Zabbix agent`), hosts.join("\n"));
}

test("the whole site: first up, an up with nothing to do, lib.sh changed, one service changed, destroy and up again", { skip: missing ?? false, timeout: 5_400_000 }, (t) => {
  const dir = projectCopy();
  t.after(() => {
    hive(dir, ["destroy", "-s", "private", "--yes"]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });
  cpSync(join(repoRoot, "test/e2e/fixtures/site"), join(dir, "site"), { recursive: true });
  pulumiOk(env, dir, ["stack", "init", "private"]);
  pulumiOk(env, dir, ["config", "set", "hive:inventory", "site/inventory"]);
  pulumiOk(env, dir, ["config", "set", "--secret", "hive:sshPrivateKey"], readFileSync(key, "utf8"));
  const times: string[] = [];

  const proxyBefore = proxyBytes();
  const first = hive(dir, ["up", "-s", "private"]);
  times.push(`first up ${first.seconds.toFixed(0)} s`);
  assert.equal(first.status, 0, first.out);
  assert.ok((first.changes.create ?? 0) > 0, first.out);
  // The packages came through the proxy: the servers have no other way out.
  assert.ok(proxyBytes() > proxyBefore, "nothing went through the proxy");
  assert.match(readFileSync(proxyLog, "utf8"), /deb\.debian\.org/);
  for (const ip of SERVERS) {
    const facts = ssh(ip, "dpkg-query -W -f='${Package} ' docker.io zabbix-agent chrony; systemctl is-active docker zabbix-agent; hostname");
    assert.equal(facts.status, 0, facts.out);
    for (const pkg of ["docker.io", "zabbix-agent", "chrony"]) assert.match(facts.out, new RegExp(`(^| )${pkg.replace(".", "\\.")} `), facts.out);
    assert.match(facts.out, /active\nactive\n/, facts.out);
  }
  assertRepositoryRuns();
  const services = ssh(SERVERS[0], "sudo docker service ls --format '{{.Name}} {{.Replicas}} {{.Image}}'");
  assert.match(services.out, /^web 1\/1 /m, services.out);
  // Built by Ansible on the repository server, pushed to the site registry, pulled from there.
  assert.match(services.out, /^hello 1\/1 p-hive2\.e2e:5000\/image_hello:/m, services.out);
  const node = ssh(SERVERS[0], "sudo docker service ps hello --filter desired-state=running --format '{{.Node}}'").out.trim();
  const on = SERVERS[Number(/^p-hive(\d)$/.exec(node)?.[1] ?? "0")];
  const page = ssh(
    on,
    `sudo docker exec "$(sudo docker ps -q -f label=com.docker.swarm.service.name=hello)" python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:8081/").read().decode())'`,
  );
  assert.match(page.out, /hello from an image built by Ansible/, page.out);

  const proxyQuiet = proxyBytes();
  const noop = hive(dir, ["up", "-s", "private"]);
  times.push(`no-op up ${noop.seconds.toFixed(0)} s`);
  assert.equal(noop.status, 0, noop.out);
  assert.deepEqual(changed(noop), {}, noop.out);
  assert.equal(proxyBytes(), proxyQuiet, "an up with nothing to do downloaded something");

  // Every step carries lib.sh: a change updates them all, replaces and deletes none.
  appendFileSync(join(dir, "components/host/scripts/lib.sh"), "# a change of the helpers\n");
  const helpers = hive(dir, ["up", "-s", "private"]);
  times.push(`lib.sh up ${helpers.seconds.toFixed(0)} s`);
  assert.equal(helpers.status, 0, helpers.out);
  assert.ok((helpers.changes.update ?? 0) >= 20, helpers.out);
  assert.deepEqual(Object.keys(changed(helpers)), ["update"], helpers.out);
  assertRepositoryRuns();

  const webFile = join(dir, "site/inventory/web.yml");
  writeFileSync(webFile, readFileSync(webFile, "utf8").replace("    endpoint_mode: dnsrr\n", "    endpoint_mode: dnsrr\n    environment:\n      GREETING: hello\n"));
  const service = hive(dir, ["up", "-s", "private"]);
  times.push(`service env up ${service.seconds.toFixed(0)} s`);
  assert.equal(service.status, 0, service.out);
  assert.deepEqual(changed(service), { update: 1 }, service.out);
  const envOf = ssh(SERVERS[0], "sudo docker service inspect web --format '{{json .Spec.TaskTemplate.ContainerSpec.Env}}'");
  assert.match(envOf.out, /GREETING=hello/);
  assert.match(envOf.out, /http_proxy=http:\/\/10\.88\.0\.1:8888/);

  const destroy = hive(dir, ["destroy", "-s", "private", "--yes"]);
  times.push(`destroy ${destroy.seconds.toFixed(0)} s`);
  assert.equal(destroy.status, 0, destroy.out);
  const again = hive(dir, ["up", "-s", "private"]);
  times.push(`up after destroy ${again.seconds.toFixed(0)} s`);
  assert.equal(again.status, 0, again.out);
  assertRepositoryRuns();
  console.log(`# site times: ${times.join(", ")}`);
});
