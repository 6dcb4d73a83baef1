import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { proveIdempotent, Machine, familyOf, ALL_OS, type OsFamily } from "./harness";
import { threeHivesAndRepoSite } from "../helpers/host-site-fixture";
import {
  renderDaemonJson,
  renderDockerDropIn,
  renderDrbdGlobal,
  renderFirewallRules,
  renderFirewallUnit,
  renderHostsBlock,
  renderSshdConf,
  renderZabbixAgentConf,
} from "../../components/host/render";

const site = threeHivesAndRepoSite();
const hive = site.hosts[0];
const CA = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----";
const CERT = "-----BEGIN CERTIFICATE-----\nHOST\n-----END CERTIFICATE-----";
const KEY = "-----BEGIN EC PRIVATE KEY-----\nSECRET-KEY-MATERIAL\n-----END EC PRIVATE KEY-----";

const baseEnv = {
  HIVE_HOSTNAME: hive.shortName,
  HIVE_TIMEZONE: "Asia/Tokyo",
  HIVE_LOCALE: "ja_JP.utf8",
  HIVE_SELINUX: "permissive",
  HIVE_SSHD_CONF: renderSshdConf(),
};

for (const os of ALL_OS) {
  test(`base (${os}): packages, hostname, timezone, locale, sshd; idempotent`, () => {
    proveIdempotent({
      kind: "base",
      os,
      env: baseEnv,
      expect: [
        familyOf(os) === "el" ? "dnf install -y chrony" : "apt-get install -y chrony",
        `hostnamectl set-hostname ${hive.shortName}`,
        "timedatectl set-timezone Asia/Tokyo",
        "localectl set-locale LANG=ja_JP.utf8",
        familyOf(os) === "el" ? "systemctl restart sshd" : "systemctl restart ssh",
        ...(familyOf(os) === "el" ? ["setenforce 0"] : []),
      ],
      failAt: "hostnamectl set-hostname",
      setup: (m) => m.file("etc/selinux/config", "SELINUX=enforcing\nSELINUXTYPE=targeted\n"),
      check: (m) => {
        assert.equal(m.read("etc/ssh/sshd_config.d/00-hive.conf"), `${renderSshdConf()}\n`);
        if (familyOf(os) === "el") assert.equal(m.read("etc/selinux/config"), "SELINUX=permissive\nSELINUXTYPE=targeted\n");
      },
    });
  });
}

test("base fails clearly without a host name and on an unknown OS", () => {
  const m = new Machine("el9");
  try {
    const r = m.run("base", { ...baseEnv, HIVE_HOSTNAME: "" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /base: error: parameter HIVE_HOSTNAME is required/);
    m.file("etc/os-release", "ID=arch\n");
    const r2 = m.run("base", baseEnv);
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /unsupported OS 'arch'/);
    assert.deepEqual(r2.mutations, []);
  } finally {
    m.cleanup();
  }
});

test("hosts: the block lists every server and replaces an older block", () => {
  proveIdempotent({
    kind: "hosts",
    os: "el9",
    env: { HIVE_HOSTS_BLOCK: renderHostsBlock(site) },
    setup: (m) => m.file("etc/hosts", "127.0.0.1 localhost\n# BEGIN hive servers\n10.0.0.1 old\n# END hive servers\n"),
    expect: [],
    failAt: "mkdir",
    check: (m) =>
      assert.equal(
        m.read("etc/hosts"),
        "127.0.0.1 localhost\n# BEGIN hive servers\n192.168.0.4 s-hive0.pdns s-hive0\n192.168.0.5 s-hive1.pdns s-hive1\n" +
          "192.168.0.6 s-hive2.pdns s-hive2\n192.168.0.7 s-hive3.pdns s-hive3\n# END hive servers\n",
      ),
  });
});

for (const os of ALL_OS) {
  test(`ntp (${os}): default servers commented out, site servers added`, () => {
    const conf = familyOf(os) === "el" ? "etc/chrony.conf" : "etc/chrony/chrony.conf";
    proveIdempotent({
      kind: "ntp",
      os,
      env: { HIVE_NTP_SERVERS: "ntp.nict.jp ntp2.example.org" },
      // chrony comes with the base step and is running.
      setup: (m) => {
        const unit = familyOf(os) === "el" ? "chronyd" : "chrony";
        m.stateFile("pkgs/chrony", "");
        m.stateFile(`units/${unit}.enabled`, "");
        m.stateFile(`units/${unit}.active`, "");
        m.file(conf, "pool 2.pool.ntp.org iburst\nserver 10.0.0.1 iburst\ndriftfile /var/lib/chrony/drift\n");
      },
      expect: [familyOf(os) === "el" ? "systemctl restart chronyd" : "systemctl restart chrony"],
      failAt: "systemctl restart",
      check: (m) => {
        const text = m.read(conf);
        assert.match(text, /^#pool /m);
        assert.match(text, /^# BEGIN hive ntp servers\nserver ntp.nict.jp iburst # hive\nserver ntp2.example.org iburst # hive\n# END hive ntp servers$/m);
      },
    });
  });
}

test("firewall: HIVE-SERVICE chain from the rendered rules, jumps from INPUT, boot unit", () => {
  const rules = renderFirewallRules(site, hive);
  proveIdempotent({
    kind: "firewall",
    os: "el9",
    env: { HIVE_FIREWALL_RULES: rules, HIVE_FIREWALL_UNIT: renderFirewallUnit() },
    setup: (m) => m.stateFile("pkgs/firewalld", ""),
    expect: ["dnf remove -y firewalld", "iptables-restore --noflush", "iptables -I INPUT 1 -j HIVE-SERVICE", "systemctl enable hive-firewall.service"],
    failAt: "iptables -I INPUT 1 -j HIVE-SERVICE",
    check: (m) => {
      const chain = m.readState("iptables/HIVE-SERVICE").trim().split("\n");
      assert.equal(chain.length, 4 * 4);
      assert.equal(chain[0], "-s 192.168.0.4/32 -p tcp -m multiport --dports 2376,2377,7946 -m conntrack --ctstate NEW -m comment --comment hive-docker_api_swarm -j ACCEPT");
      assert.deepEqual(m.readState("iptables/INPUT").trim().split("\n"), ["-j HIVE-SERVICE", "-i docker_gwbridge -m conntrack --ctstate NEW -j ACCEPT"]);
    },
  });
});

test("firewall reloads the chain when a live rule went missing", () => {
  const m = new Machine("ubuntu24");
  try {
    const env = { HIVE_FIREWALL_RULES: renderFirewallRules(site, hive), HIVE_FIREWALL_UNIT: renderFirewallUnit() };
    assert.equal(m.run("firewall", env).status, 0);
    m.stateFile("iptables/HIVE-SERVICE", m.readState("iptables/HIVE-SERVICE").split("\n").slice(1).join("\n"));
    const r = m.run("firewall", env);
    assert.equal(r.status, 0);
    assert.deepEqual(r.mutations, [`iptables-restore --noflush`]);
  } finally {
    m.cleanup();
  }
});

for (const os of ALL_OS) {
  test(`tls (${os}): CA, host certificate and key (0600, from stdin) installed and trusted; the admin's docker client`, () => {
    proveIdempotent({
      kind: "tls",
      os,
      env: { HIVE_FQDN: hive.name, HIVE_CA_CERT: CA, HIVE_CERT: CERT, HIVE_ADMIN_USER: "admin" },
      secrets: { HIVE_KEY: KEY },
      expect: [familyOf(os) === "el" ? "update-ca-trust extract" : "update-ca-certificates"],
      failAt: familyOf(os) === "el" ? "update-ca-trust" : "update-ca-certificates",
      check: (m) => {
        assert.equal(m.read(`etc/pki/tls/private/${hive.name}_key.pem`), `${KEY}\n`);
        assert.equal(m.read(`etc/pki/tls/certs/${hive.name}_cert.pem`), `${CERT}\n`);
        assert.equal(m.read("etc/pki/tls/certs/hive-ca.pem"), `${CA}\n`);
        // docker -H tcp://<hive>:2376 --tlsverify as the admin user (backups, initialisation).
        assert.equal(m.read("home/admin/.docker/ca.pem"), `${CA}\n`);
        assert.equal(m.read("home/admin/.docker/cert.pem"), `${CERT}\n`);
        assert.equal(m.read("home/admin/.docker/key.pem"), `${KEY}\n`);
        assert.equal(statSync(join(m.root, "home/admin/.docker/key.pem")).mode & 0o777, 0o600);
      },
    });
  });
}

test("tls: the key is never in the command text and a missing key stops the step", () => {
  const m = new Machine("el9");
  try {
    const r = m.run("tls", { HIVE_FQDN: hive.name, HIVE_CA_CERT: CA, HIVE_CERT: CERT }, { HIVE_KEY: KEY });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.command.includes("SECRET-KEY-MATERIAL"));
    assert.ok(!r.command.includes(Buffer.from(KEY).toString("base64")));
    const missing = m.run("tls", { HIVE_FQDN: hive.name, HIVE_CA_CERT: CA, HIVE_CERT: CERT });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /tls: error: secret HIVE_KEY missing on standard input/);
  } finally {
    m.cleanup();
  }
});

function withCerts(m: Machine): void {
  m.file("etc/pki/tls/certs/hive-ca.pem", CA);
  m.file(`etc/pki/tls/certs/${hive.name}_cert.pem`, CERT);
  m.file(`etc/pki/tls/private/${hive.name}_key.pem`, KEY, 0o600);
}

const dockerEnv = {
  HIVE_FQDN: hive.name,
  HIVE_ADMIN_USER: "admin",
  HIVE_DAEMON_JSON: renderDaemonJson(hive, null),
  HIVE_DOCKER_DROPIN: renderDockerDropIn(site),
};

// Where Docker CE comes from on each OS (the repository file or apt list the step writes).
const DOCKER_CE_SOURCE: Record<OsFamily, string> = {
  el8: "https://download.docker.com/linux/centos/docker-ce.repo",
  el9: "https://download.docker.com/linux/centos/docker-ce.repo",
  el10: "https://download.docker.com/linux/rhel/docker-ce.repo",
  ubuntu24: "https://download.docker.com/linux/ubuntu/gpg",
  debian13: "https://download.docker.com/linux/debian/gpg",
};

for (const os of ALL_OS) {
  test(`docker (${os}, Docker CE): repository, packages, daemon.json, drop-in, docker group`, () => {
    proveIdempotent({
      kind: "docker",
      os,
      env: dockerEnv,
      setup: withCerts,
      expect: [
        "curl -fsSL -o",
        `${familyOf(os) === "el" ? "dnf" : "apt-get"} install -y docker-ce docker-ce-cli containerd.io docker-compose-plugin`,
        "systemctl daemon-reload",
        "systemctl enable docker",
        "systemctl start docker",
        "usermod -aG docker admin",
      ],
      failAt: "systemctl start docker",
      check: (m, first) => {
        assert.ok(first.mutations.some((x) => x.startsWith("curl ") && x.endsWith(DOCKER_CE_SOURCE[os])), first.mutations.join("\n"));
        assert.equal(m.read("etc/docker/daemon.json"), `${dockerEnv.HIVE_DAEMON_JSON}\n`);
        assert.equal(m.read("etc/systemd/system/docker.service.d/hive.conf"), `${dockerEnv.HIVE_DOCKER_DROPIN}\n`);
        if (familyOf(os) === "debian") {
          const suite = os === "debian13" ? "debian trixie" : "ubuntu noble";
          assert.equal(m.read("etc/apt/sources.list.d/docker.list"), `deb [signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/${suite} stable\n`);
          // The new list refreshes the package lists before docker-ce is installed.
          const calls = first.mutations;
          assert.ok(calls.indexOf("apt-get update") >= 0 && calls.indexOf("apt-get update") < calls.findIndex((x) => x.startsWith("apt-get install -y docker-ce")));
        }
      },
    });
  });

  if (familyOf(os) === "debian") {
    test(`docker (${os}, from the distribution): docker.io and its compose v2 plugin, nothing from download.docker.com`, () => {
      proveIdempotent({
        kind: "docker",
        os,
        env: { ...dockerEnv, HIVE_DOCKER_SOURCE: "distribution" },
        setup: withCerts,
        expect: [`apt-get install -y docker.io ${os === "ubuntu24" ? "docker-compose-v2" : "docker-compose"}`, "systemctl enable docker", "usermod -aG docker admin"],
        failAt: "systemctl start docker",
        check: (m, first) => {
          assert.ok(!first.calls.some((c) => c.line.includes("download.docker.com")), first.calls.map((c) => c.line).join("\n"));
          assert.ok(!existsSync(join(m.root, "etc/apt/sources.list.d/docker.list")));
        },
      });
    });
  }
}

test("docker: distribution on EL, docker.io under docker-ce and an unknown source are clear errors that change nothing", () => {
  const el = new Machine("el9");
  const deb = new Machine("debian13");
  try {
    withCerts(el);
    const r = el.run("docker", { ...dockerEnv, HIVE_DOCKER_SOURCE: "distribution" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /docker: error: hive_docker_source: distribution needs Debian or Ubuntu \(almalinux has no Docker/);
    assert.deepEqual(r.mutations, []);
    withCerts(deb);
    deb.stateFile("pkgs/docker.io", "");
    const r2 = deb.run("docker", dockerEnv);
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /docker.io from the distribution is installed: set hive_docker_source: distribution/);
    assert.deepEqual(r2.mutations, []);
    const r3 = deb.run("docker", { ...dockerEnv, HIVE_DOCKER_SOURCE: "snap" });
    assert.equal(r3.status, 1);
    assert.match(r3.stderr, /HIVE_DOCKER_SOURCE must be docker-ce or distribution, not 'snap'/);
  } finally {
    el.cleanup();
    deb.cleanup();
  }
});

test("docker: a changed daemon.json restarts a running docker; missing certificates stop the step", () => {
  const m = new Machine("el9");
  try {
    withCerts(m);
    assert.equal(m.run("docker", dockerEnv).status, 0);
    const r = m.run("docker", { ...dockerEnv, HIVE_DAEMON_JSON: renderDaemonJson(hive, "https://mirror.example.org") });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.mutations, ["systemctl daemon-reload", "systemctl restart docker"]);
    const bare = new Machine("el9");
    try {
      const r2 = bare.run("docker", dockerEnv);
      assert.equal(r2.status, 1);
      assert.match(r2.stderr, /docker: error: \/etc\/pki\/tls\/certs\/s-hive0.pdns_cert.pem is missing: the tls step must run first/);
      assert.deepEqual(r2.mutations, []);
    } finally {
      bare.cleanup();
    }
  } finally {
    m.cleanup();
  }
});

const DRBD_CALLS: Record<OsFamily, string[]> = {
  el8: ["rpm --import https://www.elrepo.org/RPM-GPG-KEY-elrepo.org", "dnf install -y https://www.elrepo.org/elrepo-release-8.el8.elrepo.noarch.rpm", "dnf install -y kmod-drbd9x drbd9x-utils"],
  el9: ["rpm --import https://www.elrepo.org/RPM-GPG-KEY-elrepo.org", "dnf install -y https://www.elrepo.org/elrepo-release-9.el9.elrepo.noarch.rpm", "dnf install -y kmod-drbd9x drbd9x-utils"],
  el10: ["rpm --import https://www.elrepo.org/RPM-GPG-KEY-elrepo.org", "dnf install -y https://www.elrepo.org/elrepo-release-10.el10.elrepo.noarch.rpm", "dnf install -y kmod-drbd9x drbd9x-utils"],
  ubuntu24: ["add-apt-repository -y ppa:linbit/linbit-drbd9-stack", "apt-get install -y drbd-dkms drbd-utils"],
  debian13: ["apt-get install -y drbd-utils"],
};

for (const os of ALL_OS) {
  test(`drbd (${os}): DRBD9 packages, global config, module`, () => {
    proveIdempotent({
      kind: "drbd",
      os,
      env: { HIVE_DRBD_GLOBAL: renderDrbdGlobal() },
      expect: [...DRBD_CALLS[os], "modprobe drbd"],
      failAt: "modprobe drbd",
      check: (m) => assert.equal(m.read("etc/drbd.d/global_common.conf"), `${renderDrbdGlobal()}\n`),
    });
  });
}

test("drbd: a DRBD 8.4 kernel module (Debian's own) stops the step with what to install", () => {
  const m = new Machine("debian13");
  try {
    m.stateFile("module-version/drbd", "8.4.11\n");
    const r = m.run("drbd", { HIVE_DRBD_GLOBAL: renderDrbdGlobal() });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /drbd: error: the drbd kernel module is version '8.4.11', hive needs DRBD 9 \(on Debian: LINBIT's drbd-dkms\)/);
  } finally {
    m.cleanup();
  }
});

const poolEnv = { HIVE_DRBD_DEVICES: "/dev/sdc /dev/sdb /dev/vdb /dev/nvme1n1", HIVE_DRBD_VG: "drbdvg", HIVE_DRBD_POOL: "drbdpool" };

test("drbd-pool: first empty disk of the list gets partition, PV, VG and thin pool; a used disk is skipped", () => {
  proveIdempotent({
    kind: "drbd-pool",
    os: "el9",
    env: poolEnv,
    setup: (m) => {
      m.disk("/dev/sdb", { partitioned: true });
      m.disk("/dev/vdb", { signature: true });
      m.disk("/dev/nvme1n1");
    },
    expect: [
      "parted -s /dev/nvme1n1 mklabel gpt mkpart hive-drbd 1MiB 100% set 1 lvm on",
      "pvcreate /dev/nvme1n1p1",
      "vgcreate drbdvg /dev/nvme1n1p1",
      "lvcreate --type thin-pool -l 95%FREE --chunksize 1024K --zero n -n drbdpool drbdvg",
    ],
    failAt: "vgcreate",
  });
});

test("drbd-pool: interrupted after partitioning, the re-run resumes on the hive-drbd partition", () => {
  proveIdempotent({
    kind: "drbd-pool",
    os: "ubuntu24",
    env: poolEnv,
    setup: (m) => m.disk("/dev/sdc"),
    expect: ["parted -s /dev/sdc mklabel gpt", "pvcreate /dev/sdc1", "vgcreate drbdvg /dev/sdc1", "lvcreate"],
    failAt: "pvcreate",
  });
});

test("drbd-pool: no empty disk is a clear error and touches nothing; an existing VG is never recreated", () => {
  const m = new Machine("el9");
  try {
    m.disk("/dev/sdb", { partitioned: true });
    const r = m.run("drbd-pool", poolEnv);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /drbd-pool: error: no empty disk among: \/dev\/sdc \/dev\/sdb \/dev\/vdb \/dev\/nvme1n1/);
    assert.deepEqual(r.mutations, []);
    m.stateFile("lvm/vg-drbdvg", "/dev/sdb1\n");
    const r2 = m.run("drbd-pool", poolEnv);
    assert.equal(r2.status, 0, r2.stderr);
    assert.deepEqual(r2.mutations, ["lvcreate --type thin-pool -l 95%FREE --chunksize 1024K --zero n -n drbdpool drbdvg"]);
  } finally {
    m.cleanup();
  }
});

const ZABBIX_RELEASE: Record<OsFamily, string> = {
  el8: "dnf install -y https://repo.zabbix.com/zabbix/7.0/rhel/8/x86_64/zabbix-release-latest-7.0.el8.noarch.rpm",
  el9: "dnf install -y https://repo.zabbix.com/zabbix/7.0/rhel/9/x86_64/zabbix-release-latest-7.0.el9.noarch.rpm",
  el10: "dnf install -y https://repo.zabbix.com/zabbix/7.0/rhel/10/x86_64/zabbix-release-latest-7.0.el10.noarch.rpm",
  ubuntu24: "https://repo.zabbix.com/zabbix/7.0/ubuntu/pool/main/z/zabbix-release/zabbix-release_latest_7.0+ubuntu24.04_all.deb",
  debian13: "https://repo.zabbix.com/zabbix/7.0/debian/pool/main/z/zabbix-release/zabbix-release_latest_7.0+debian13_all.deb",
};

for (const os of ALL_OS) {
  test(`zabbix-agent (${os}, Zabbix's repository): release package, agent, configuration, service`, () => {
    const conf = renderZabbixAgentConf(site, hive);
    proveIdempotent({
      kind: "zabbix-agent",
      os,
      env: { HIVE_ZABBIX_AGENT_CONF: conf },
      expect: [
        ...(familyOf(os) === "el" ? [ZABBIX_RELEASE[os]] : ["curl -fsSL -o", "dpkg -i", "apt-get update"]),
        familyOf(os) === "el" ? "dnf install -y zabbix-agent" : "apt-get install -y zabbix-agent",
        "systemctl enable zabbix-agent",
      ],
      failAt: "systemctl start zabbix-agent",
      check: (m, first) => {
        assert.equal(m.read("etc/zabbix/zabbix_agentd.conf"), `${conf}\n`);
        if (familyOf(os) === "debian") assert.ok(first.mutations.some((x) => x.startsWith("curl ") && x.endsWith(ZABBIX_RELEASE[os])), first.mutations.join("\n"));
      },
    });
  });
}

for (const os of ["ubuntu24", "debian13"] as const) {
  test(`zabbix-agent (${os}, from the distribution): only the distribution's agent, with its own folders`, () => {
    const distHive = { ...hive, vars: { ...hive.vars, hive_zabbix_agent_source: "distribution" } };
    const conf = renderZabbixAgentConf(site, distHive);
    assert.match(conf, /^Include=\/etc\/zabbix\/zabbix_agentd\.conf\.d\/\*\.conf$/m);
    assert.match(conf, /^LogFile=\/var\/log\/zabbix-agent\/zabbix_agentd\.log$/m);
    proveIdempotent({
      kind: "zabbix-agent",
      os,
      env: { HIVE_ZABBIX_AGENT_CONF: conf, HIVE_ZABBIX_AGENT_SOURCE: "distribution" },
      expect: ["apt-get install -y zabbix-agent", "systemctl enable zabbix-agent"],
      failAt: "systemctl start zabbix-agent",
      check: (_m, first) => assert.ok(!first.calls.some((c) => c.line.includes("repo.zabbix.com") || c.line.startsWith("dpkg ")), first.calls.map((c) => c.line).join("\n")),
    });
  });
}

test("zabbix-agent: the distribution's agent on EL is a clear error that changes nothing", () => {
  const m = new Machine("el10");
  try {
    const r = m.run("zabbix-agent", { HIVE_ZABBIX_AGENT_CONF: "x", HIVE_ZABBIX_AGENT_SOURCE: "distribution" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /hive_zabbix_agent_source: distribution needs Debian or Ubuntu \(rhel has no Zabbix agent/);
    assert.deepEqual(r.mutations, []);
  } finally {
    m.cleanup();
  }
});

test("addon: runs the project's hook with the host's facts; a failing hook is reported", () => {
  // A well-behaved hook: idempotent by itself.
  const hook =
    '#!/bin/bash\nset -eu\necho "$HIVE_FQDN $HIVE_GROUPS" > "$ROOT/etc/addon-done"\n' +
    "systemctl is-enabled --quiet addon.service || systemctl enable addon.service\n";
  proveIdempotent({
    kind: "addon",
    os: "el9",
    env: { HIVE_ADDON_SCRIPT: hook, HIVE_HOSTNAME: hive.shortName, HIVE_FQDN: hive.name, HIVE_STAGE: "staging", HIVE_GROUPS: hive.groups.join(" ") },
    expect: ["systemctl enable addon.service"],
    failAt: "systemctl enable addon.service",
    check: (m) => assert.equal(m.read("etc/addon-done"), "s-hive0.pdns first_hive hives servers staging\n"),
  });
  const m = new Machine("el9");
  try {
    const r = m.run("addon", { HIVE_ADDON_SCRIPT: "exit 3" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /addon: error: the project's addon hook \(roles\/addon\/setup.sh\) failed/);
  } finally {
    m.cleanup();
  }
});

test("users: groups, sudoers, users and their keys, created once", () => {
  proveIdempotent({
    kind: "users",
    os: "el9",
    env: { HIVE_USERS: "alice 2001 ops 3000 ssh-ed25519 AAAAalice alice@example\nbob - bob - ssh-rsa AAAAbob" },
    setup: (m) => m.stateFile("group", "bob:x:1001:\n"),
    expect: ["groupadd -g 3000 ops", "useradd -m -u 2001 -g ops alice", "useradd -m -g bob bob", "chown -R alice:ops", "chown -R bob:bob"],
    failAt: "chown -R bob:bob",
    check: (m) => {
      assert.equal(m.read("etc/sudoers.d/hive-ops"), "%ops ALL=(ALL) NOPASSWD: ALL\n");
      assert.equal(m.read("home/alice/.ssh/authorized_keys"), "ssh-ed25519 AAAAalice alice@example\n");
    },
  });
});

test("base: the proxy and pip settings go into a block of /etc/environment", () => {
  const env = "http_proxy=http://proxy.example.org:3128\nno_proxy=localhost";
  proveIdempotent({
    kind: "base",
    os: "el9",
    env: { ...baseEnv, HIVE_ENVIRONMENT: env },
    setup: (m) => m.file("etc/environment", "LANG=C\n"),
    expect: ["hostnamectl set-hostname"],
    failAt: "timedatectl set-timezone",
    check: (m) => assert.equal(m.read("etc/environment"), `LANG=C\n# BEGIN hive environment\n${env}\n# END hive environment\n`),
  });
});
