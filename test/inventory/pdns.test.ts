// Derived values of the pdns example (hive-builder notes §6.1 and §6.3), for hive's example inventory and for
// hive-builder's own example inventory read unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadSite, siteToJson, type Site, type Stage } from "../../src/inventory";

const root = join(__dirname, "../..");
const EXAMPLE = join(root, "examples/pdns/inventory");
// hive-builder's own example inventory, read unchanged from the shared folder beside the repository
// (HIVE_COMPAT_INVENTORY overrides); it is not copied into this repository.
const COMPAT = process.env.HIVE_COMPAT_INVENTORY ?? join(root, "../shared/compat/hive-builder-pdns/inventory");
const COMPAT_PRESENT = existsSync(join(COMPAT, "hive.yml"));
const GCP = join(root, "examples/pdns-gcp/inventory");

type HostRow = [name: string, ip: string, subnet: string, zone: string | null, groups: string, instanceType: string | null, disk: number | null, mirrored: number | null];

function hostRows(site: Site): HostRow[] {
  return site.hosts.map((h) => [h.name, h.privateIp, h.subnet, h.availabilityZone, h.groups.join(","), h.instanceType, h.diskSize, h.mirroredDiskSize]);
}

const STAGING: HostRow[] = [
  ["s-hive0.pdns", "192.168.0.5", "subnet-a", "ap-northeast-1d", "first_hive,hives,servers,staging", "t3.xlarge", 20, 20],
  ["s-hive1.pdns", "192.168.0.69", "subnet-b", "ap-northeast-1a", "hives,servers,staging", "t3.xlarge", 20, 20],
  ["s-hive2.pdns", "192.168.0.133", "subnet-c", "ap-northeast-1c", "hives,servers,staging", "t3.xlarge", 20, 20],
  ["s-hive3.pdns", "192.168.0.6", "subnet-a", "ap-northeast-1d", "repository,servers,staging", "t3.large", null, null],
];
// hive-builder's example names ap-northeast-1b, which newer accounts lack; hive's example uses 1a instead.
const COMPAT_STAGING: HostRow[] = STAGING.map((row) => (row[0] === "s-hive1.pdns" ? [...row.slice(0, 3), "ap-northeast-1b", ...row.slice(4)] as HostRow : row));
const PRODUCTION: HostRow[] = [
  ["hive0.pdns", "192.168.0.4", "pdns-default", "1", "first_hive,hives,production,servers", "Standard_D2s_v3", 100, 20],
  ["hive1.pdns", "192.168.0.5", "pdns-default", "2", "hives,production,servers", "Standard_D2s_v3", 100, 20],
  ["hive2.pdns", "192.168.0.6", "pdns-default", "3", "hives,production,servers", "Standard_D2s_v3", 100, 20],
  ["hive3.pdns", "192.168.0.7", "pdns-default", "1", "production,repository,servers", "Standard_D2s_v3", 150, null],
];
const PRIVATE: HostRow[] = [
  ["p-hive0.pdns", "192.168.56.4", "pdns-default", null, "first_hive,hives,private,repository,servers", null, null, null],
];

const cases: { dir: string; stage: Stage; provider: string; hosts: HostRow[]; repo: string; services: string; volumes: string; admin: string }[] = [
  { dir: EXAMPLE, stage: "private", provider: "prepared", hosts: PRIVATE, repo: "p-hive0.pdns", services: "powerdns,pdnsdb,pdnsadmin,proxy,configure", volumes: "pdnsdb_data:plain,pdnsadmin_data:plain,proxy_config:plain", admin: "admin" },
  { dir: COMPAT, stage: "private", provider: "vagrant", hosts: PRIVATE, repo: "p-hive0.pdns", services: "powerdns,pdnsdb,pdnsadmin,proxy,configure", volumes: "pdnsdb_data:plain,pdnsadmin_data:plain,proxy_config:plain", admin: "vagrant" },
  ...[EXAMPLE, COMPAT].flatMap((dir) => [
    { dir, stage: "staging" as const, provider: "aws", hosts: dir === COMPAT ? COMPAT_STAGING : STAGING, repo: "s-hive3.pdns", services: "powerdns,pdnsdb,pdnsadmin,proxy,configure,certbot", volumes: "pdnsdb_data:drbd:1,pdnsadmin_data:drbd:2,proxy_config:drbd:3,letsencrypt_data:drbd:4", admin: "ec2-user" },
    { dir, stage: "production" as const, provider: "azure", hosts: PRODUCTION, repo: "hive3.pdns", services: "powerdns,pdnsdb,pdnsadmin,proxy,configure,certbot", volumes: "pdnsdb_data:drbd:1,pdnsadmin_data:drbd:2,proxy_config:drbd:3,letsencrypt_data:drbd:4", admin: "hiveadmin" },
  ]),
];

for (const c of cases) {
  test(`${c.dir === COMPAT ? "hive-builder" : "hive"} pdns inventory, ${c.stage}: hosts, services, volumes`, (t) => {
    if (c.dir === COMPAT && !COMPAT_PRESENT) {
      t.skip(`hive-builder's example inventory not found at ${COMPAT} (set HIVE_COMPAT_INVENTORY)`);
      return;
    }
    const site = loadSite({ inventoryDir: c.dir, stage: c.stage, env: {}, contextDir: "/ctx" });
    assert.equal(site.name, "pdns");
    assert.equal(site.provider, c.provider);
    assert.deepEqual(hostRows(site), c.hosts);
    assert.equal(site.repository, c.repo);
    assert.equal(site.registry, `${c.repo}:5000`);
    assert.equal(site.firstHive, c.hosts[0][0]);
    assert.equal(site.adminUser, c.admin);
    assert.equal(site.services.map((s) => s.name).join(","), c.services);
    assert.equal(
      site.volumes.map((v) => [v.name, v.kind, ...(v.drbd ? [v.drbd.minor] : [])].join(":")).join(","),
      c.volumes,
    );
    assert.deepEqual(site.firewall, { tcp: [53, 80, 443], udp: [53] });
    assert.deepEqual(site.internalNetworks.overlay, null);
    assert.deepEqual(site.networks.map((n) => n.name), ["hive_default_network"]);
    assert.deepEqual(site.secrets, [{ name: "registry_password", length: 15, chars: ["ascii_letters", "digits"] }]);
  });
}

test("pdns staging: images, ports, logging, hosts, secrets of services", () => {
  const site = loadSite({ inventoryDir: EXAMPLE, stage: "staging", env: {}, contextDir: "/ctx" });
  const svc = (n: string) => site.services.find((s) => s.name === n)!;
  assert.deepEqual(svc("powerdns").image, { kind: "pull", ref: "procube/powerdns:latest", build: null });
  assert.equal(svc("pdnsdb").image.kind, "build");
  assert.equal(svc("pdnsdb").image.ref, "s-hive3.pdns:5000/image_pdnsdb");
  assert.deepEqual(svc("pdnsdb").image.build?.roles, ["python-aptk", "powerdns-initdb"]);
  assert.deepEqual(svc("configure").image.build?.entrypoint, ["/usr/local/bin/python"]);
  assert.deepEqual(svc("configure").image.build?.command, ["/usr/sbin/proxy-configure"]);
  assert.deepEqual(
    svc("powerdns").ports.map((p) => [p.target, p.published, p.protocol, p.mode, p.key]),
    [
      [53, 53, "tcp", "ingress", "powerdns53"],
      [53, 53, "udp", "ingress", "powerdns53"],
    ],
  );
  assert.deepEqual(svc("proxy").ports.map((p) => [p.target, p.published, p.protocol]), [
    [80, 80, "tcp"],
    [443, 443, "tcp"],
  ]);
  assert.deepEqual(svc("proxy").logging, {
    driver: "syslog",
    options: { "syslog-address": "udp://s-hive3.pdns:10514", "syslog-facility": "local0", tag: "proxy" },
  });
  assert.deepEqual(svc("proxy").hosts, {
    "s-hive0.pdns": "192.168.0.5",
    "s-hive1.pdns": "192.168.0.69",
    "s-hive2.pdns": "192.168.0.133",
    "s-hive3.pdns": "192.168.0.6",
  });
  assert.deepEqual(svc("configure").labels, { HIVE_MARK: "proxy_config", HIVE_STANDALONE: "False" });
  assert.deepEqual(svc("configure").mounts, [
    { source: "proxy_config", target: "/etc/nginx/conf.d", type: "volume", readonly: false },
    { source: "/var/run/docker.sock", target: "/var/run/docker.sock", type: "bind", readonly: false },
  ]);
  assert.deepEqual(svc("powerdns").environment.MYSQL_PASSWORD, { kind: "secret", parts: [{ secret: "registry_password" }] });
  assert.deepEqual(svc("powerdns").args?.[1], { kind: "secret", parts: ["--api-key=", { secret: "registry_password" }] });
  assert.equal("CERTBOT_EMAIL" in svc("certbot").environment, false, "default(omit) removes the key");
  assert.deepEqual(svc("certbot").backupScripts.map((b) => [b.name, b.directory, b.cleanupDaysBefore]), [["certificates", "/etc/letsencrypt", 3]]);
  assert.deepEqual(
    site.volumes.map((v) => [v.name, v.drbd?.size, v.drbd?.fstype, v.drbd?.port, v.services.join(",")]),
    [
      ["pdnsdb_data", "500M", "xfs", 7001, "pdnsdb"],
      ["pdnsadmin_data", "500M", "xfs", 7002, "pdnsadmin"],
      ["proxy_config", "80M", "xfs", 7003, "configure,proxy"],
      ["letsencrypt_data", "52M", "xfs", 7004, "certbot"],
    ],
  );
  assert.deepEqual(site.allocations, { ports: {}, minors: { letsencrypt_data: 4, pdnsadmin_data: 2, pdnsdb_data: 1, proxy_config: 3 } });
  assert.deepEqual(site.newAllocations, site.allocations);
  // domain and db_password are the services' (evaluated where they use them) and the roles'.
  assert.deepEqual(site.vars, { hive_timezone: "Asia/Tokyo" });
});

test("pdns private: ntp and yum mirror set because the provider is not a cloud", () => {
  const site = loadSite({ inventoryDir: EXAMPLE, stage: "private", env: {} });
  assert.deepEqual(site.vars, {
    hive_ntp_servers: "ntp.nict.jp",
    hive_timezone: "Asia/Tokyo",
    hive_yum_url: "http://ftp.iij.ad.jp/pub/linux/almalinux",
  });
  assert.deepEqual(site.hosts[0].vars, site.vars);
});

test("pdns gcp variant: custom_hostname and zones region-a/b/c", () => {
  const site = loadSite({ inventoryDir: GCP, stage: "production", env: {} });
  assert.deepEqual(
    site.hosts.map((h) => [h.name, h.privateIp, h.availabilityZone, h.zoneIndex]),
    [
      ["test-hive0.pdns", "192.168.0.4", "asia-northeast2-a", 0],
      ["test-hive1.pdns", "192.168.0.5", "asia-northeast2-b", 1],
      ["test-hive2.pdns", "192.168.0.6", "asia-northeast2-c", 2],
      ["test-hive3.pdns", "192.168.0.7", "asia-northeast2-a", 0],
    ],
  );
});

test("siteToJson of pdns staging: stored allocations print, new ones are null, secrets never appear", () => {
  const fresh = siteToJson(loadSite({ inventoryDir: EXAMPLE, stage: "staging", env: {} })) as { volumes: { drbd: { minor: number | null; port: number | null } }[] };
  assert.deepEqual(fresh.volumes.map((v) => [v.drbd.minor, v.drbd.port]), [[null, null], [null, null], [null, null], [null, null]]);
  const previous = { ports: {}, minors: { pdnsdb_data: 1, pdnsadmin_data: 2, proxy_config: 3, letsencrypt_data: 4 } };
  const site = loadSite({ inventoryDir: EXAMPLE, stage: "staging", env: {}, previous });
  const stored = siteToJson(site) as { volumes: { drbd: { minor: number | null; port: number | null } }[] };
  assert.deepEqual(stored.volumes.map((v) => [v.drbd.minor, v.drbd.port]), [[1, 7001], [2, 7002], [3, 7003], [4, 7004]]);
  assert.deepEqual(site.newAllocations, { ports: {}, minors: {} });
  assert.equal(JSON.stringify(stored).includes("secret"), false);
});
