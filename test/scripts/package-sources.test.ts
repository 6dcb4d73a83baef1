// Package sources of a site on every supported OS: the proxy reaches every download of every step
// (apt, dnf, curl, pip), the package manager keeps it in its own configuration, a mirror replaces the
// distribution's archive, and each setting can be changed or removed again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ALL_OS, Machine, familyOf, proveIdempotent, type OsFamily } from "./harness";
import { renderSshdConf, renderZabbixAgentConf } from "../../components/host/render";
import { threeHivesAndRepoSite } from "../helpers/host-site-fixture";

const PROXY = "http://10.88.0.1:8888";
const environment = `http_proxy=${PROXY}\nhttps_proxy=${PROXY}\nno_proxy=localhost,127.0.0.1`;
const baseEnv = { HIVE_HOSTNAME: "s1", HIVE_SSHD_CONF: renderSshdConf() };

/** The distribution's own package sources, as a fresh server has them. */
const SOURCES: Record<OsFamily, { path: string; text: string; mirrored: string; url: string }> = {
  el8: {
    path: "etc/yum.repos.d/almalinux.repo",
    text: "[baseos]\nname=AlmaLinux $releasever - BaseOS\nmirrorlist=https://mirrors.almalinux.org/mirrorlist/$releasever/baseos\n# baseurl=https://repo.almalinux.org/almalinux/$releasever/BaseOS/$basearch/os/\nenabled=1\n",
    mirrored: "[baseos]\nname=AlmaLinux $releasever - BaseOS\n#mirrorlist=https://mirrors.almalinux.org/mirrorlist/$releasever/baseos\nbaseurl=http://mirror.example/almalinux/$releasever/BaseOS/$basearch/os/\nenabled=1\n",
    url: "http://mirror.example/almalinux",
  },
  el9: {
    path: "etc/yum.repos.d/almalinux-appstream.repo",
    text: "[appstream]\nmirrorlist=https://mirrors.almalinux.org/mirrorlist/$releasever/appstream\n# baseurl=https://repo.almalinux.org/almalinux/$releasever/AppStream/$basearch/os/\n",
    mirrored: "[appstream]\n#mirrorlist=https://mirrors.almalinux.org/mirrorlist/$releasever/appstream\nbaseurl=http://mirror.example/almalinux/$releasever/AppStream/$basearch/os/\n",
    url: "http://mirror.example/almalinux/",
  },
  el10: {
    path: "etc/yum.repos.d/rocky.repo",
    text: "[baseos]\nmirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=BaseOS-$releasever\n#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/BaseOS/$basearch/os/\n",
    mirrored: "[baseos]\n#mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=BaseOS-$releasever\nbaseurl=http://mirror.example/rocky/$releasever/BaseOS/$basearch/os/\n",
    url: "http://mirror.example/rocky",
  },
  ubuntu24: {
    path: "etc/apt/sources.list.d/ubuntu.sources",
    text: "Types: deb\nURIs: http://jp.archive.ubuntu.com/ubuntu/\nSuites: noble noble-updates\n\nTypes: deb\nURIs: http://security.ubuntu.com/ubuntu/\nSuites: noble-security\n",
    mirrored: "Types: deb\nURIs: http://mirror.example/ubuntu\nSuites: noble noble-updates\n\nTypes: deb\nURIs: http://security.ubuntu.com/ubuntu/\nSuites: noble-security\n",
    url: "http://mirror.example/ubuntu",
  },
  debian13: {
    path: "etc/apt/sources.list.d/debian.sources",
    text: "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie trixie-updates\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: trixie-security\n",
    mirrored: "Types: deb\nURIs: http://mirror.example/debian\nSuites: trixie trixie-updates\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: trixie-security\n",
    url: "http://mirror.example/debian",
  },
};

function mirrorEnv(os: OsFamily): Record<string, string> {
  return familyOf(os) === "el" ? { HIVE_YUM_URL: SOURCES[os].url } : { HIVE_APT_URL: SOURCES[os].url };
}

const DOWNLOADERS = /^(apt-get|dnf|curl|python3|python3\.12|\S*\/python) /;

for (const os of ALL_OS) {
  test(`base (${os}) with proxy and mirror: the package manager's proxy, the mirrored sources, every download through the proxy`, () => {
    const src = SOURCES[os];
    proveIdempotent({
      kind: "base",
      os,
      env: { ...baseEnv, HIVE_ENVIRONMENT: environment, HIVE_HTTP_PROXY: PROXY, ...mirrorEnv(os) },
      setup: (m) => m.file(src.path, src.text),
      expect: [familyOf(os) === "el" ? "dnf makecache" : "apt-get update", `${familyOf(os) === "el" ? "dnf" : "apt-get"} install -y chrony`],
      // (apt retries a failed install itself, after refreshing the lists.)
      failAt: familyOf(os) === "el" ? "dnf install" : "hostnamectl set-hostname",
      check: (m, first) => {
        assert.equal(m.read(src.path), src.mirrored);
        if (familyOf(os) === "el") assert.match(m.read("etc/dnf/dnf.conf"), new RegExp(`^proxy=${PROXY}$`, "m"));
        else assert.equal(m.read("etc/apt/apt.conf.d/80hive-proxy"), `Acquire::http::Proxy "${PROXY}";\nAcquire::https::Proxy "${PROXY}";\n`);
        const downloads = first.mutations.filter((x) => DOWNLOADERS.test(x));
        assert.ok(downloads.length >= 2, first.mutations.join("\n"));
        for (const d of downloads) assert.ok(d.endsWith(`[proxy ${PROXY}]`), `not through the proxy: ${d}`);
      },
    });
  });

  test(`base (${os}) without proxy or mirror: sources untouched, no proxy anywhere`, () => {
    const src = SOURCES[os];
    const m = new Machine(os);
    try {
      m.file(src.path, src.text);
      const r = m.run("base", baseEnv);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(m.read(src.path), src.text);
      assert.ok(!r.calls.some((c) => c.line.includes("[proxy")), r.calls.map((c) => c.line).join("\n"));
      assert.ok(!existsSync(join(m.root, "etc/apt/apt.conf.d/80hive-proxy")));
      assert.ok(!existsSync(join(m.root, "var/lib/hive/sources")));
    } finally {
      m.cleanup();
    }
  });

  test(`base (${os}): a removed proxy and mirror are taken back out; a later step then downloads directly`, () => {
    const src = SOURCES[os];
    const m = new Machine(os);
    try {
      m.file(src.path, src.text);
      m.file("etc/environment", "LANG=C.UTF-8\n");
      assert.equal(m.run("base", { ...baseEnv, HIVE_ENVIRONMENT: environment, HIVE_HTTP_PROXY: PROXY, ...mirrorEnv(os) }).status, 0);
      const agent = m.run("zabbix-agent", { HIVE_ZABBIX_AGENT_CONF: "Hostname=s1" });
      assert.equal(agent.status, 0, agent.stderr);
      const agentDownloads = agent.mutations.filter((x) => DOWNLOADERS.test(x));
      assert.ok(agentDownloads.length > 0);
      for (const d of agentDownloads) assert.ok(d.endsWith(`[proxy ${PROXY}]`), `a later step did not use the proxy: ${d}`);

      const r = m.run("base", baseEnv);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(m.read(src.path), src.text);
      assert.equal(m.read("etc/environment"), "LANG=C.UTF-8\n");
      if (familyOf(os) === "el") assert.doesNotMatch(m.read("etc/dnf/dnf.conf"), /^proxy=/m);
      else assert.ok(!existsSync(join(m.root, "etc/apt/apt.conf.d/80hive-proxy")));
      rmSync(join(m.state, "pkgs/zabbix-agent"));
      const direct = m.run("zabbix-agent", { HIVE_ZABBIX_AGENT_CONF: "Hostname=s1" });
      assert.equal(direct.status, 0, direct.stderr);
      assert.ok(!direct.calls.some((c) => c.line.includes("[proxy")), direct.calls.map((c) => c.line).join("\n"));
      assert.equal(m.run("base", baseEnv).mutations.length, 0);
    } finally {
      m.cleanup();
    }
  });
}

test("a changed mirror rewrites the kept original, not the mirrored file", () => {
  const m = new Machine("debian13");
  try {
    m.file(SOURCES.debian13.path, SOURCES.debian13.text);
    assert.equal(m.run("base", { ...baseEnv, HIVE_APT_URL: "http://one.example/debian" }).status, 0);
    const r = m.run("base", { ...baseEnv, HIVE_APT_URL: "http://two.example/debian" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(m.read(SOURCES.debian13.path), SOURCES.debian13.mirrored.replace("http://mirror.example/debian", "http://two.example/debian"));
    assert.match(r.stdout, /changed: package sources of \/etc\/apt\/sources.list.d\/debian.sources point to http:\/\/two.example\/debian/);
  } finally {
    m.cleanup();
  }
});

test("apt: a server without package lists refreshes them first; an install failing on stale lists refreshes and retries once", () => {
  const m = new Machine("debian13");
  try {
    rmSync(join(m.root, "var/lib/apt/lists"), { recursive: true });
    const r = m.run("ntp", { HIVE_NTP_SERVERS: "ntp.example" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.mutations.slice(0, 2), ["apt-get update", "apt-get install -y chrony"]);
    const m2 = new Machine("ubuntu24");
    try {
      m2.failOnce("apt-get install -y chrony");
      const r2 = m2.run("ntp", { HIVE_NTP_SERVERS: "ntp.example" });
      assert.equal(r2.status, 0, r2.stderr + r2.stdout);
      assert.deepEqual(r2.mutations.slice(0, 2), ["apt-get update", "apt-get install -y chrony"]);
      assert.match(r2.stdout, /install failed: refreshing the package lists and trying again/);
    } finally {
      m2.cleanup();
    }
  } finally {
    m.cleanup();
  }
});

test("an untested version of a supported distribution runs with a warning; the zabbix agent names the missing repository", () => {
  const m = new Machine("debian13");
  try {
    m.file("etc/os-release", 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n');
    const r = m.run("zabbix-agent", { HIVE_ZABBIX_AGENT_CONF: renderZabbixAgentConf(threeHivesAndRepoSite(), threeHivesAndRepoSite().hosts[0]) });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /warning: debian 12 is not a tested version/);
    assert.match(r.stderr, /no Zabbix 7.0 repository known for debian 12: set hive_zabbix_agent_source: distribution/);
  } finally {
    m.cleanup();
  }
});

test("a step restarts only the units it marked itself: another step's pending restart is left to that step", () => {
  const m = new Machine("debian13");
  try {
    m.stateFile("units/docker.active", "");
    m.file("var/lib/hive/restart/docker@docker", "");
    const r = m.run("zabbix-agent", { HIVE_ZABBIX_AGENT_CONF: "Hostname=s1", HIVE_ZABBIX_AGENT_SOURCE: "distribution" });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.mutations.some((x) => x.startsWith("systemctl restart")), r.mutations.join("\n"));
    assert.ok(existsSync(join(m.root, "var/lib/hive/restart/docker@docker")));
  } finally {
    m.cleanup();
  }
});
