// follow-swarm-service against a real dockerd in swarm mode.
//
// dockerd runs inside its own network namespace (entered with nsenter, not `ip netns exec`,
// which remounts /sys and hides the cgroup mounts dockerd needs); a veth pair links it to the
// host, whose end plays the router. The daemon runs in the same namespace, so its ip, arping,
// ping and iptables act there. Needs root and the Debian packages docker.io (dockerd + the
// docker CLI), busybox-static (the image), iproute2, iptables, iputils-ping, iputils-arping and
// util-linux (nsenter); skips with the reason otherwise. Everything started is removed in the end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const DAEMON = join(__dirname, "..", "..", "components", "swarm", "daemon", "follow_swarm_service.py");
const DOCKERD = "/usr/sbin/dockerd";
const BUSYBOX = "/bin/busybox";
// The docker.io client matches its dockerd; fall back to whatever docker is on PATH.
const DOCKER = existsSync("/usr/bin/docker") ? "/usr/bin/docker" : "docker";

function which(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces, dockerd)";
  if (!existsSync(DOCKERD)) return `${DOCKERD} not found (apt-get install docker.io)`;
  if (!existsSync(BUSYBOX)) return `${BUSYBOX} not found (apt-get install busybox-static)`;
  const ldd = spawnSync("ldd", [BUSYBOX], { encoding: "utf8" });
  if (!/not a dynamic executable|statically linked/.test(`${ldd.stdout}${ldd.stderr}`)) {
    return `${BUSYBOX} is not static (apt-get install busybox-static)`;
  }
  for (const cmd of ["ip", "nsenter", "iptables", "ping", "python3", "tar"]) {
    if (!which(cmd)) return `${cmd} not found (apt-get install iproute2 util-linux iptables iputils-ping python3 tar)`;
  }
  return undefined;
}

function sh(argv: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number, log: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n--- daemon log ---\n${log()}`);
    await sleep(300);
  }
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

test("follow-swarm-service follows tasks on a real swarm", { timeout: 150_000 }, async (t) => {
  const reason = missing();
  if (reason) {
    t.skip(reason);
    return;
  }
  const id = process.pid % 10000;
  const subnet = `10.77.${(process.pid % 200) + 20}`;
  const ns = `hive-fss${id}`;
  const hostIf = `hfss${id}h`;
  const nsIf = `hfss${id}n`;
  const vip = `${subnet}.50`;
  const dir = mkdtempSync(join(tmpdir(), "hive-fss-"));
  const env = { ...process.env, DOCKER_HOST: `unix://${dir}/docker.sock` };
  const inNs = (argv: string[]) => ["nsenter", `--net=/run/netns/${ns}`, ...argv];
  const docker = (...args: string[]) => sh([DOCKER, ...args], env);
  const cleanups: Array<() => void | Promise<void>> = [];
  let daemonLog = "";
  const log = () => daemonLog;

  // undone in reverse order of creation, whatever happens
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  try {
    sh(["ip", "netns", "add", ns]);
    cleanups.push(() => {
      spawnSync("ip", ["netns", "del", ns]);
    });
    sh(["ip", "link", "add", hostIf, "type", "veth", "peer", "name", nsIf]);
    cleanups.push(() => {
      spawnSync("ip", ["link", "del", hostIf]);
    });
    sh(["ip", "link", "set", nsIf, "netns", ns]);
    sh(["ip", "addr", "add", `${subnet}.1/24`, "dev", hostIf]);
    sh(["ip", "link", "set", hostIf, "up"]);
    sh(inNs(["ip", "addr", "add", `${subnet}.2/24`, "dev", nsIf]));
    sh(inNs(["ip", "link", "set", nsIf, "up"]));
    sh(inNs(["ip", "link", "set", "lo", "up"]));

    const dockerdLog: string[] = [];
    const dockerd = spawn(
      "nsenter",
      [
        `--net=/run/netns/${ns}`,
        DOCKERD,
        "--storage-driver=vfs",
        `--data-root=${dir}/data`,
        `--exec-root=${dir}/exec`,
        `--pidfile=${dir}/docker.pid`,
        `-H=unix://${dir}/docker.sock`,
        // a containerd of the host, if any, is shared safely under a namespace of our own
        `--containerd-namespace=hive-fss-${id}`,
        `--containerd-plugins-namespace=hive-fss-${id}-plugins`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    dockerd.stderr?.on("data", (d: Buffer) => dockerdLog.push(d.toString()));
    cleanups.push(async () => {
      dockerd.kill("SIGTERM");
      if (!(await exited(dockerd, 20_000))) dockerd.kill("SIGKILL");
      await exited(dockerd, 5_000);
      // container shims outlive dockerd only if a container was still up; they name our dir
      for (const pid of spawnSync("pgrep", ["-f", dir], { encoding: "utf8" }).stdout.split(/\s+/).filter(Boolean)) {
        if (Number(pid) !== process.pid) spawnSync("kill", ["-9", pid]);
      }
      const mounts = readFileSync("/proc/self/mountinfo", "utf8")
        .split("\n")
        .map((line) => line.split(" ")[4])
        .filter((m) => m && m.startsWith(dir))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) spawnSync("umount", ["-l", m]);
    });
    await until("dockerd", () => (spawnSync(DOCKER, ["info"], { env }).status === 0 ? true : undefined), 30_000, () =>
      dockerdLog.join(""),
    );
    docker("swarm", "init", "--advertise-addr", `${subnet}.2`);
    const nodeId = docker("node", "inspect", "self", "--format", "{{.ID}}").trim();

    const rootfs = join(dir, "rootfs");
    mkdirSync(join(rootfs, "bin"), { recursive: true });
    copyFileSync(BUSYBOX, join(rootfs, "bin", "busybox"));
    for (const applet of ["sh", "sleep"]) symlinkSync("busybox", join(rootfs, "bin", applet));
    sh(["tar", "-C", rootfs, "-cf", join(dir, "rootfs.tar"), "."]);
    docker("import", join(dir, "rootfs.tar"), "hive-fss/busybox:1");
    docker("network", "create", "-d", "overlay", "fss-net");

    const service = (name: string, labels: string[], extra: string[] = []) =>
      docker(
        "service", "create", "-d", "--name", name, "--stop-grace-period", "1s",
        ...labels.flatMap((l) => ["--label", l]), ...extra,
        "hive-fss/busybox:1", "sleep", "3600",
      );
    service("fss-mark-a", ["HIVE_MARK=fss-leader"]);
    service("fss-vip", [`HIVE_VIP=${vip}`, `HIVE_ROUTER=${subnet}.1`, "HIVE_DNAT_PORTS=8080", "HIVE_ENABLE_VIP_SNAT=true"], [
      "--network", "fss-net",
    ]);
    const running = (name: string) =>
      docker("service", "ps", name, "--filter", "desired-state=running", "--format", "{{.CurrentState}}").startsWith("Running")
        ? true
        : undefined;
    await until("services running", () => (running("fss-mark-a") && running("fss-vip") ? true : undefined), 30_000, log);

    const labels = () => JSON.parse(docker("node", "inspect", nodeId, "--format", "{{json .Spec.Labels}}")) as Record<string, string>;
    const addresses = () => sh(inNs(["ip", "-4", "-o", "addr", "show", "dev", nsIf]));
    const hiveRules = () =>
      sh(inNs(["iptables-save"]))
        .split("\n")
        .filter((l) => l.includes("hive_"));
    assert.equal(labels()["fss-leader"], undefined);
    assert.doesNotMatch(addresses(), new RegExp(` ${vip.replace(/\./g, "\\.")}/`));

    // Started after the tasks: the first reconcile must find them. The periodic reconcile is
    // 60 s away, so every later change has to come through the event stream.
    const startDaemon = () => {
      const child = spawn("nsenter", [`--net=/run/netns/${ns}`, "python3", DAEMON], {
        env: {
          ...env,
          HIVE_DOCKER_CLI: DOCKER,
          HIVE_STATE_FILE: join(dir, "state.json"),
          HIVE_RECONCILE_INTERVAL: "60",
          HIVE_EVENT_DEBOUNCE: "0.5",
          HIVE_ROUTER_INTERVAL: "1",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout?.on("data", (d: Buffer) => (daemonLog += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (daemonLog += d.toString()));
      cleanups.push(async () => {
        child.kill("SIGTERM");
        if (!(await exited(child, 5_000))) child.kill("SIGKILL");
      });
      return child;
    };
    const stopDaemon = async (child: ChildProcess) => {
      child.kill("SIGTERM");
      assert.ok(await exited(child, 10_000), "daemon did not stop on SIGTERM");
      assert.equal(child.exitCode, 0, daemonLog);
    };
    const first = startDaemon();

    await until("node label", () => (labels()["fss-leader"] === "true" ? true : undefined), 20_000, log);
    await until("VIP", () => (addresses().includes(` ${vip}/24 `) ? true : undefined), 20_000, log);
    const rules = await until("NAT rules", () => (hiveRules().length === 3 ? hiveRules() : undefined), 20_000, log);
    const containerIp = /hive_dnat_\S+_tcp_8080_(\d+\.\d+\.\d+\.\d+)_fss-vip/.exec(rules.join("\n"))?.[1];
    assert.ok(containerIp, rules.join("\n"));
    assert.deepEqual(rules.map((r) => r.replace(/"/g, "")).sort(), [
      `-A DOCKER -d ${containerIp}/32 ! -i docker_gwbridge -o docker_gwbridge -p tcp -m tcp --dport 8080 -m comment --comment hive_accept_${vip}_tcp_8080_${containerIp}_fss-vip -j ACCEPT`,
      `-A DOCKER -d ${vip}/32 -p tcp -m tcp --dport 8080 -m comment --comment hive_dnat_${vip}_tcp_8080_${containerIp}_fss-vip -j DNAT --to-destination ${containerIp}:8080`,
      `-A POSTROUTING -s ${containerIp}/32 -o ${nsIf} -m comment --comment hive_snat_${vip}_${nsIf}_${containerIp}_fss-vip -j SNAT --to-source ${vip}`,
    ].sort());
    assert.match(daemonLog, new RegExp(`router ${subnet.replace(/\./g, "\\.")}\\.1 answers from VIP`));

    // a second service marking the same label keeps it while the first one leaves
    service("fss-mark-b", ["HIVE_MARK=fss-leader"]);
    await until("second marker running", () => running("fss-mark-b"), 30_000, log);
    docker("service", "scale", "-d", "fss-mark-a=0");
    await until("first marker gone", () => (running("fss-mark-a") ? undefined : true), 30_000, log);
    await sleep(3_000);
    assert.equal(labels()["fss-leader"], "true", daemonLog);
    docker("service", "scale", "-d", "fss-mark-b=0");
    await until("label removed", () => (labels()["fss-leader"] === undefined ? true : undefined), 20_000, log);

    // Stopping the daemon leaves the VIP where it is (an upgrade must not cut the service off);
    // the next start takes back whatever the tasks no longer ask for.
    await stopDaemon(first);
    assert.ok(addresses().includes(` ${vip}/24 `));
    docker("service", "scale", "-d", "fss-vip=0");
    await until("VIP task gone", () => (running("fss-vip") ? undefined : true), 30_000, log);
    assert.ok(addresses().includes(` ${vip}/24 `));
    const second = startDaemon();
    await until("VIP removed", () => (addresses().includes(` ${vip}/`) ? undefined : true), 20_000, log);
    await until("NAT rules removed", () => (hiveRules().length === 0 ? true : undefined), 20_000, log);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "state.json"), "utf8")), { marks: [], vips: [] });
    await stopDaemon(second);
    assert.doesNotMatch(daemonLog, /Traceback|ERROR/);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (e) {
        console.error(`cleanup failed: ${String(e)}`);
      }
    }
  }
});
