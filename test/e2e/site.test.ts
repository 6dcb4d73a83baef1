// The whole test site on the real engine, language host and providers, against the Debian 13 servers
// of scripts/e2e/servers.sh, which reach the package registries only through the suite's proxy. One stack,
// case after case: a first `hive up` builds everything (Docker and the Zabbix agent from Debian, the
// registry and Zabbix from the images built of Debian packages, an image built by an Ansible role and
// pulled from the site registry), service logs reach the repository, backups of a service volume and of
// the registry are written and restore; a second up has nothing to do; the deploy bot previews and
// updates the same stage; a change to lib.sh updates steps and replaces or deletes none; one service's
// environment changed through `hive deploy-services -l` updates exactly that service; a server whose sshd
// stops during an up is named in the error and the re-run converges; destroy, then every phase command
// in order on the emptied stack rebuilds the site on the same servers. Times go to the log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
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
const SERVERS_SOCKET = `unix://${join(process.env.HIVE_E2E_RUN ?? "/tmp/hive-e2e", "docker.sock")}`;

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

/** Runs a command as root inside a test server's container (what the servers' own console would do). */
function onConsole(server: "s1" | "s2" | "s3", command: string): void {
  const r = spawnSync("docker", ["-H", SERVERS_SOCKET, "exec", `hive-e2e-${server}`, "bash", "-c", command], { encoding: "utf8" });
  assert.equal(r.status, 0, `${server}: ${command}: ${r.stdout}${r.stderr}`);
}

/** Everything `hive` and the bot printed or streamed during the test, checked for secrets near its end. */
const printed: string[] = [];

function hive(dir: string, args: string[]): HiveRun {
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(dir, "bin/hive.js"), ...args], { cwd: dir, env, encoding: "utf8", timeout: 1_800_000 });
  const out = `${r.stdout}${r.stderr}`;
  printed.push(out);
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
    .sort();
  // Exactly the site's servers: Zabbix's own default host "Zabbix server" is deleted, as hive-builder did.
  assert.deepEqual(
    hosts.map((h) => h.slice(0, h.indexOf(":"))),
    ["p-hive0.e2e", "p-hive1.e2e", "p-hive2.e2e"],
    hosts.join("\n"),
  );
  for (const line of hosts) assert.match(line, /: .*Linux by Zabbix agent/, hosts.join("\n"));
}

/** Where the service's one task runs. */
function serverOf(service: string): string {
  const node = ssh(SERVERS[0], `sudo docker service ps ${service} --filter desired-state=running --format '{{.Node}}'`).out.trim();
  const index = /^p-hive(\d)$/.exec(node)?.[1];
  assert.ok(index !== undefined, `${service} runs on no server: ${node}`);
  return SERVERS[Number(index)];
}

/** A shell command inside the service's running task on its server. */
function inTask(service: string, command: string): { status: number | null; out: string } {
  return ssh(serverOf(service), `sudo docker exec "$(sudo docker ps -q -f label=com.docker.swarm.service.name=${service})" ${command}`);
}

/** One HTTP request to the bot with the test's token; the parsed JSON answer. */
type BotCall = (method: string, path: string) => Promise<{ status: number; body: Record<string, unknown>; text: string }>;

/** The deploy bot of the project in `dir`: one token that may preview and update the private stage. */
async function withBot<T>(dir: string, use: (call: BotCall) => Promise<T>): Promise<T> {
  const token = randomBytes(32).toString("hex");
  const dataDir = mkdtempSync(join(tmpdir(), "hive-e2e-bot-"));
  const config = join(dataDir, "bot.yml");
  writeFileSync(
    config,
    [
      "host: 127.0.0.1",
      "port: 0",
      "stages: [private]",
      "approvalStages: []",
      `dataDir: ${dataDir}`,
      `workDir: ${dir}`,
      "tokens:",
      "  - name: e2e",
      `    hash: sha256:${createHash("sha256").update(token).digest("hex")}`,
      "    stages: [private]",
      "    actions: [preview, up]",
      "",
    ].join("\n"),
  );
  const bot = spawn(process.execPath, [join(dir, "bin/hive.js"), "bot", "--config", config], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bot did not start: ${log}`)), 30_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const m = /"url":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    bot.stdout.on("data", onData);
    bot.stderr.on("data", onData);
    bot.on("exit", (code) => reject(new Error(`the bot exited with ${code}: ${log}`)));
  });
  const call: BotCall = (method, path) =>
    new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, method, path, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => {
          const json = (res.headers["content-type"] ?? "").includes("json") && text !== "";
          resolve({ status: res.statusCode ?? 0, body: json ? (JSON.parse(text) as Record<string, unknown>) : {}, text });
        });
      });
      req.on("error", reject);
      req.end(method === "POST" ? "{}" : undefined);
    });
  try {
    return await use(call);
  } finally {
    bot.kill("SIGTERM");
    await new Promise((resolve) => bot.once("exit", resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Starts an operation through the bot and waits for its run to end; the finished run record. */
async function botRun(call: BotCall, operation: string): Promise<Record<string, unknown>> {
  const started = await call("POST", `/stacks/private/${operation}`);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const id = String(started.body.runId);
  for (let i = 0; i < 600; i++) {
    const run = await call("GET", `/runs/${id}`);
    assert.equal(run.status, 200, JSON.stringify(run.body));
    const record = run.body.run as Record<string, unknown>;
    if (record.status !== "running") return record;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`the bot's ${operation} did not end`);
}

test("the whole site on the real engine", { skip: missing ?? false, timeout: 5_400_000 }, async (t) => {
  const dir = projectCopy();
  const times: string[] = [];
  t.after(() => {
    const destroy = hive(dir, ["destroy", "-s", "private", "--yes"]);
    times.push(`final destroy ${destroy.seconds.toFixed(0)} s`);
    console.log(`# site times: ${times.join(", ")}`);
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });
  cpSync(join(repoRoot, "test/e2e/fixtures/site"), join(dir, "site"), { recursive: true });
  pulumiOk(env, dir, ["stack", "init", "private"]);
  pulumiOk(env, dir, ["config", "set", "hive:inventory", "site/inventory"]);
  pulumiOk(env, dir, ["config", "set", "--secret", "hive:sshPrivateKey"], readFileSync(key, "utf8"));

  // Each case builds on the ones before it: after a failure the rest are skipped with that reason.
  let failed: string | undefined;
  const step = async (name: string, body: () => void | Promise<void>) => {
    await t.test(name, { skip: failed === undefined ? false : `an earlier case failed: ${failed}` }, async () => {
      try {
        await body();
      } catch (e) {
        failed = name;
        throw e;
      }
    });
  };
  const timed = (label: string, args: string[]): HiveRun => {
    const run = hive(dir, args);
    times.push(`${label} ${run.seconds.toFixed(0)} s`);
    return run;
  };

  await step("first up: every part built through the proxy, the repository's parts real", () => {
    const proxyBefore = proxyBytes();
    const first = timed("first up", ["up", "-s", "private"]);
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
    const page = inTask("hello", `python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:8081/").read().decode())'`);
    assert.match(page.out, /hello from an image built by Ansible/, page.out);
    // The role ran one task on the first hive (delegate_to), over ssh from the repository server.
    const firstHive = ssh(SERVERS[0], "hostname");
    assert.equal(inTask("hello", "cat /srv/first-hive.txt").out.trim(), firstHive.out.trim());
  });

  await step("a service's log lines reach the repository's rsyslog files", async () => {
    // http.server logs each request on stderr; the syslog driver sends it to the repository server.
    const marker = `/e2e-log-${randomBytes(4).toString("hex")}`;
    inTask("hello", `python3 -c 'import urllib.request, urllib.error\ntry: urllib.request.urlopen("http://127.0.0.1:8081${marker}")\nexcept urllib.error.HTTPError: pass'`);
    let log = "";
    for (let i = 0; i < 30 && !log.includes(marker); i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      log = ssh(REPOSITORY, "sudo cat /var/log/services/hello.log").out;
    }
    assert.ok(log.includes(marker), `no line with ${marker} in /var/log/services/hello.log:\n${log.slice(-2000)}`);
    // The same from every server, the repository's own dockerd included (whatever name its own address
    // resolves to there): a container with the site's log settings, under its own tag, on each server.
    const logDriver = ssh(SERVERS[0], "sudo docker service inspect web --format '{{json .Spec.TaskTemplate.LogDriver.Options}}'");
    assert.equal(logDriver.status, 0, logDriver.out);
    const options = Object.entries(JSON.parse(logDriver.out) as Record<string, string>)
      .filter(([name]) => name !== "tag")
      .map(([name, value]) => `--log-opt ${name}=${value}`)
      .join(" ");
    const probe = `e2e-probe-${randomBytes(4).toString("hex")}`;
    for (const ip of SERVERS) {
      const run = ssh(ip, `sudo docker run --rm --log-driver syslog ${options} --log-opt tag=${probe} hive-e2e/busybox:latest echo line from ${ip}`);
      assert.equal(run.status, 0, run.out);
    }
    let probes = "";
    for (let i = 0; i < 30 && !SERVERS.every((ip) => probes.includes(`line from ${ip}`)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      probes = ssh(REPOSITORY, `sudo cat /var/log/services/${probe}.log`).out;
    }
    for (const ip of SERVERS) assert.ok(probes.includes(`line from ${ip}`), `no line from ${ip} in /var/log/services/${probe}.log:\n${probes}`);
  });

  await step("the nightly backup saves a service volume, the registry and Zabbix; hive-backup.sh -r restores a changed file", () => {
    const page = `page ${randomBytes(6).toString("hex")}`;
    assert.equal(inTask("web", `sh -c 'echo "${page}" > /www/index.html'`).status, 0);
    // What the timer starts at night.
    const nightly = ssh(REPOSITORY, "sudo systemctl start hive-backup.service && ls -l ~/backup");
    assert.equal(nightly.status, 0, `${nightly.out}\n${ssh(REPOSITORY, "sudo journalctl -u hive-backup.service --no-pager | tail -n 30").out}`);
    for (const [file, holds] of [
      ["backup-web-pages-latest.tar.gz", /(^|\/)index\.html$/m],
      ["backup-hive-registry-latest.tar.gz", /image_hello/],
    ] as const) {
      const listing = ssh(REPOSITORY, `tar tzf ~/backup/${file}`);
      assert.equal(listing.status, 0, `${file}: ${listing.out}`);
      assert.match(listing.out, holds, `${file} lacks what it should hold:\n${listing.out.slice(0, 2000)}`);
    }
    const dump = ssh(REPOSITORY, "zcat ~/backup/backup-hive-zabbix-latest.sql.gz | grep -c 'CREATE TABLE'");
    assert.ok(Number(dump.out.trim()) > 100, `the Zabbix dump has ${dump.out.trim()} tables`);
    assert.match(ssh(REPOSITORY, "tar xzOf ~/backup/backup-web-pages-latest.tar.gz ./index.html").out, new RegExp(page));
    assert.equal(inTask("web", "sh -c 'echo changed > /www/index.html'").status, 0);
    const restore = ssh(REPOSITORY, "hive-backup.sh -r -l web");
    assert.equal(restore.status, 0, restore.out);
    assert.equal(inTask("web", "cat /www/index.html").out.trim(), page);
  });

  await step("an up with nothing to do changes nothing and downloads nothing", () => {
    const proxyQuiet = proxyBytes();
    const noop = timed("no-op up", ["up", "-s", "private"]);
    assert.equal(noop.status, 0, noop.out);
    assert.deepEqual(changed(noop), {}, noop.out);
    assert.equal(proxyBytes(), proxyQuiet, "an up with nothing to do downloaded something");
  });

  await step("the deploy bot previews and updates the same stage", async () => {
    await withBot(dir, async (call) => {
      const preview = await botRun(call, "preview");
      assert.equal(preview.status, "succeeded", JSON.stringify(preview));
      const up = await botRun(call, "up");
      assert.equal(up.status, "succeeded", JSON.stringify(up));
      for (const run of [preview, up]) {
        const events = await call("GET", `/runs/${String(run.id)}/events`);
        assert.equal(events.status, 200);
        assert.match(events.text, /event: end/);
        printed.push(events.text);
      }
    });
  });

  await step("no secret of the stack reaches what hive printed or the bot streamed", () => {
    // Every secret the state holds (site key, CA and host keys, passwords, the swarm's join token, the
    // scripts' stdin), in plain text. Of a secret object (a command's `connection`, which the provider keeps
    // secret whole) only the fields named like credentials: its host address is no secret.
    const exported = JSON.parse(pulumiOk(env, dir, ["stack", "export", "--show-secrets"]).stdout) as unknown;
    /** Secret value → where the state holds it (resource and property), for the message. */
    const secrets = new Map<string, string>([[readFileSync(key, "utf8").trim(), "the site key"]]);
    const others = new Map<string, string>();
    const leavesOf = (v: unknown, path: string): [string, string][] =>
      typeof v === "string" ? [[v, path]] : v !== null && typeof v === "object" ? Object.entries(v).flatMap(([k, x]) => leavesOf(x, `${path}.${k}`)) : [];
    const credentials = (v: unknown, name = ""): string[] =>
      typeof v === "string"
        ? /key|password|token|secret|stdin/i.test(name) ? [v] : []
        : v !== null && typeof v === "object"
          ? Object.entries(v).flatMap(([k, x]) => credentials(x, Array.isArray(v) ? name : k))
          : [];
    const collect = (v: unknown, where: string): void => {
      if (Array.isArray(v)) v.forEach((x, i) => collect(x, `${where}[${i}]`));
      else if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (typeof o.plaintext !== "string") {
          const at = typeof o.urn === "string" ? o.urn.split("::").at(-1)! : where;
          for (const [k, x] of Object.entries(o)) collect(x, `${at}.${k}`);
        } else {
          const value = JSON.parse(o.plaintext) as unknown;
          for (const x of typeof value === "string" ? [value] : credentials(value)) if (!secrets.has(x.trim())) secrets.set(x.trim(), where);
          // The other fields of a secret object: printed ones are named in the log (no value), not failed.
          if (typeof value === "object" && value !== null) {
            for (const [x, path] of leavesOf(value, where)) if (x.length >= 8 && !credentials(value).includes(x)) others.set(x, path);
          }
        }
      }
    };
    collect(exported, "state");
    const known = [...secrets.keys()].filter((x) => x.length >= 8);
    assert.ok(known.length >= 8, `the state's secrets were found: ${known.length}`);
    const text = printed.join("\n");
    assert.ok(text.length > 10_000, "something was printed");
    const printedFields = [...others].filter(([x]) => text.includes(x)).map(([x, where]) => `${where} (${x.length})`);
    if (printedFields.length > 0) console.log(`# printed, plain fields of secret objects: ${[...new Set(printedFields)].join(", ")}`);
    // As printed, and as the bot's events carry it (JSON-escaped: a key's line breaks become \\n).
    for (const secret of known) {
      for (const form of [secret, JSON.stringify(secret).slice(1, -1)]) {
        assert.ok(!text.includes(form), `the secret at ${secrets.get(secret)} (${secret.length} characters) was printed`);
      }
    }
  });

  await step("lib.sh changed: every step updated, none replaced or deleted, the repository keeps running", () => {
    appendFileSync(join(dir, "components/host/scripts/lib.sh"), "# a change of the helpers\n");
    const helpers = timed("lib.sh up", ["up", "-s", "private"]);
    assert.equal(helpers.status, 0, helpers.out);
    assert.ok((helpers.changes.update ?? 0) >= 20, helpers.out);
    assert.deepEqual(Object.keys(changed(helpers)), ["update"], helpers.out);
    assertRepositoryRuns();
  });

  await step("one service's environment changed: hive deploy-services -l updates exactly that service", () => {
    const webFile = join(dir, "site/inventory/web.yml");
    writeFileSync(webFile, readFileSync(webFile, "utf8").replace("    endpoint_mode: dnsrr\n", "    endpoint_mode: dnsrr\n    environment:\n      GREETING: hello\n"));
    const service = timed("deploy-services -l web", ["deploy-services", "-s", "private", "-l", "web"]);
    assert.equal(service.status, 0, service.out);
    assert.deepEqual(changed(service), { update: 1 }, service.out);
    const envOf = ssh(SERVERS[0], "sudo docker service inspect web --format '{{json .Spec.TaskTemplate.ContainerSpec.Env}}'");
    assert.match(envOf.out, /GREETING=hello/);
    assert.match(envOf.out, /http_proxy=http:\/\/10\.88\.0\.1:8888/);
    const after = timed("up after deploy-services", ["up", "-s", "private"]);
    assert.equal(after.status, 0, after.out);
    assert.deepEqual(changed(after), {}, after.out);
  });

  await step("a server's sshd stops during an up: the error names it; started again, the re-run converges", async () => {
    appendFileSync(join(dir, "components/host/scripts/lib.sh"), "# another change of the helpers\n");
    const run = spawn(process.execPath, [join(dir, "bin/hive.js"), "up", "-s", "private"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    run.stdout.on("data", (c: Buffer) => (out += c.toString()));
    run.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const ended = new Promise<number | null>((resolve) => run.on("exit", resolve));
    // Once the update is under way, p-hive1 stops answering ssh.
    for (let i = 0; i < 120 && !/updating|update/i.test(out); i++) await new Promise((resolve) => setTimeout(resolve, 500));
    onConsole("s2", "systemctl stop ssh.socket ssh.service 2>/dev/null || systemctl stop ssh");
    const status = await ended;
    try {
      assert.notEqual(status, 0, out);
      assert.match(out, /hive: up failed on stage private/, out);
      assert.match(out, /e2e-p-hive1-[a-z-]+/, out);
      // Only the stopped server is named as failing.
      const failing = out.slice(out.indexOf("hive: up failed")).split("\n").filter((l) => /^\s+\S+: e2e-/.test(l));
      assert.ok(failing.length > 0 && failing.every((l) => /p-hive1|swarm|workloads|repository/.test(l)), failing.join("\n"));
    } finally {
      onConsole("s2", "systemctl start ssh");
    }
    const again = timed("up after the fault", ["up", "-s", "private"]);
    assert.equal(again.status, 0, again.out);
    const quiet = timed("no-op up after the fault", ["up", "-s", "private"]);
    assert.equal(quiet.status, 0, quiet.out);
    assert.deepEqual(changed(quiet), {}, quiet.out);
    assertRepositoryRuns();
  });

  await step("destroy, then every phase command in order on the emptied stack rebuilds the site", () => {
    const destroy = timed("destroy", ["destroy", "-s", "private", "--yes"]);
    assert.equal(destroy.status, 0, destroy.out);
    assert.match(destroy.out, /hive: destroy succeeded: delete \d+/);
    for (const phase of ["build-infra", "setup-hosts", "build-images", "build-volumes", "build-networks", "deploy-services", "initialize-services"]) {
      const run = timed(phase, [phase, "-s", "private"]);
      assert.equal(run.status, 0, `${phase}: ${run.out}`);
    }
    const whole = timed("up after the phases", ["up", "-s", "private"]);
    assert.equal(whole.status, 0, whole.out);
    assert.deepEqual(changed(whole), {}, whole.out);
    assertRepositoryRuns();
    assert.match(ssh(SERVERS[0], "sudo docker service ls --format '{{.Name}} {{.Replicas}}'").out, /^hello 1\/1$/m);
  });
});
