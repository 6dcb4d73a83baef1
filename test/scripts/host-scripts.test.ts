import { test } from "node:test";
import assert from "node:assert/strict";
import { proveIdempotent, Machine } from "./harness";
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

for (const os of ["el", "debian"] as const) {
  test(`base (${os}): packages, hostname, timezone, locale, sshd; idempotent`, () => {
    proveIdempotent({
      kind: "base",
      os,
      env: baseEnv,
      expect: [
        os === "el" ? "dnf install -y chrony" : "apt-get install -y chrony",
        `hostnamectl set-hostname ${hive.shortName}`,
        "timedatectl set-timezone Asia/Tokyo",
        "localectl set-locale LANG=ja_JP.utf8",
        os === "el" ? "systemctl restart sshd" : "systemctl restart ssh",
        ...(os === "el" ? ["setenforce 0"] : []),
      ],
      failAt: "hostnamectl set-hostname",
      setup: (m) => m.file("etc/selinux/config", "SELINUX=enforcing\nSELINUXTYPE=targeted\n"),
      check: (m) => {
        assert.equal(m.read("etc/ssh/sshd_config.d/00-hive.conf"), `${renderSshdConf()}\n`);
        if (os === "el") assert.equal(m.read("etc/selinux/config"), "SELINUX=permissive\nSELINUXTYPE=targeted\n");
      },
    });
  });
}

test("base fails clearly without a host name and on an unknown OS", () => {
  const m = new Machine("el");
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
    os: "el",
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
