// The three test servers of scripts/e2e/servers.sh behave like the hosts hive manages: ssh as
// `admin` with sudo, systemd running Debian's dockerd, a way out through the proxy only, a
// three-manager swarm and an overlay network whose tasks reach each other across servers. The
// test leaves the servers as it found them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const cache = process.env.HIVE_E2E_CACHE ?? join(homedir(), ".cache/hive/e2e");
const key = join(cache, "ssh/id_ed25519");
const servers = [
  { name: "s1", ip: "10.88.0.11" },
  { name: "s2", ip: "10.88.0.12" },
  { name: "s3", ip: "10.88.0.13" },
];
const image = "hive-e2e/busybox:latest";
// The forward proxy of scripts/e2e/servers.sh, the servers' only way out, and its log.
const proxy = "http://10.88.0.1:8888";
const proxyLog = join(process.env.HIVE_E2E_RUN ?? "/tmp/hive-e2e", "proxy.log");

function ssh(ip: string, command: string): { status: number | null; out: string } {
  const result = spawnSync(
    "ssh",
    ["-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
      "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", `admin@${ip}`, command],
    { encoding: "utf8" },
  );
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

function sshOk(ip: string, command: string): string {
  const { status, out } = ssh(ip, command);
  assert.equal(status, 0, `${ip}: ${command}\n${out}`);
  return out.trim();
}

function serversDownReason(): string | false {
  if (!existsSync(key)) return `${key} is missing: run scripts/e2e/servers.sh up first`;
  const probe = ssh(servers[0].ip, "true");
  return probe.status === 0 ? false : `${servers[0].ip} does not answer ssh (scripts/e2e/servers.sh up): ${probe.out}`;
}

test("test servers: ssh, sudo, docker, swarm and overlay", { skip: serversDownReason() }, async (t) => {
  const [first, ...others] = servers;
  t.after(() => {
    ssh(first.ip, "sudo docker service rm e2e-web; sleep 2; sudo docker network rm e2e-net");
    for (const server of [...others].reverse().concat(first)) ssh(server.ip, "sudo docker swarm leave --force");
  });

  await t.test("each server answers ssh as admin, has passwordless sudo and a dockerd", () => {
    for (const server of servers) {
      assert.equal(sshOk(server.ip, "hostname"), server.name);
      assert.equal(sshOk(server.ip, "sudo -n id -u"), "0");
      assert.equal(sshOk(server.ip, "sudo docker info --format '{{.Swarm.LocalNodeState}}'"), "inactive");
    }
  });

  await t.test("each server boots systemd, which runs sshd and Debian's docker.io", () => {
    for (const server of servers) {
      // is-system-running exits 1 when degraded, hence `|| true`.
      assert.match(sshOk(server.ip, "systemctl is-system-running || true"), /^(running|degraded)$/, server.name);
      assert.equal(sshOk(server.ip, "systemctl is-active ssh docker"), "active\nactive");
      assert.equal(sshOk(server.ip, "sudo docker info --format '{{.Driver}}'"), "overlay2");
    }
  });

  await t.test("the servers reach Debian's mirror through the proxy only", () => {
    const url = "http://deb.debian.org/debian/dists/trixie/Release";
    const direct = ssh(first.ip, `curl -m 5 -fsS -o /dev/null ${url}`);
    assert.notEqual(direct.status, 0, `a server reached ${url} without the proxy`);
    const before = readFileSync(proxyLog, "utf8").length;
    sshOk(first.ip, `curl -m 30 -fsS -o /dev/null -x ${proxy} ${url}`);
    assert.ok(readFileSync(proxyLog, "utf8").slice(before).includes(`GET ${url} `), `${proxyLog} does not show the request`);
  });

  await t.test("a nested container runs", () => {
    assert.equal(sshOk(first.ip, `sudo docker run --rm ${image} echo nested`), "nested");
  });

  await t.test("three managers form one swarm", () => {
    sshOk(first.ip, `sudo docker swarm init --advertise-addr ${first.ip}`);
    const token = sshOk(first.ip, "sudo docker swarm join-token -q manager");
    for (const server of others) {
      sshOk(server.ip, `sudo docker swarm join --advertise-addr ${server.ip} --token ${token} ${first.ip}:2377`);
    }
    const managers = sshOk(first.ip, "sudo docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'")
      .split("\n")
      .sort();
    assert.deepEqual(managers, ["s1 Ready Leader", "s2 Ready Reachable", "s3 Ready Reachable"]);
  });

  await t.test("tasks on every server reach each other over an overlay network (DNS round robin)", () => {
    sshOk(first.ip, "sudo docker network create -d overlay --attachable e2e-net");
    // VIP endpoint mode needs IPVS, which these servers lack: dnsrr is what works here.
    // (busybox 1.35 wget -T segfaults in its static build, hence `timeout`.)
    sshOk(
      first.ip,
      `sudo docker service create -q --detach=false --name e2e-web --replicas 3 --endpoint-mode dnsrr ` +
        `--placement-pref spread=node.hostname --network e2e-net ${image} ` +
        `sh -c 'hostname > /www/index.html; exec httpd -f -p 80 -h /www'`,
    );
    const nodes = sshOk(first.ip, "sudo docker service ps e2e-web --filter desired-state=running --format '{{.Node}}'")
      .split("\n")
      .sort();
    assert.deepEqual(nodes, ["s1", "s2", "s3"]);
    const answers = sshOk(
      first.ip,
      `sudo docker run --rm --network e2e-net ${image} sh -c ` +
        `'for ip in $(nslookup tasks.e2e-web | sed -n "s/^Address: //p"); do timeout 5 wget -q -O - http://$ip/; done'`,
    )
      .split("\n")
      .filter((line) => line.length > 0);
    assert.equal(answers.length, 3, answers.join("\n"));
    assert.equal(new Set(answers).size, 3, answers.join("\n"));
  });
});
