// Derivation rules of hive-builder, table-driven with exact values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { splitInternalCidr, parseCidr, parsePort, shellSplit, type Site } from "../../src/inventory";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HIVE, loadFiles, problemsOf, servicesWithWeb as web } from "./helpers";

const SVC = "plugin: hive_services\nservices:\n  web:\n    image: nginx\n";

function stageFile(stage: string, ...lines: string[]): string {
  return `plugin: hive_inventory\nname: demo\nstages:\n  ${stage}:\n${lines.map((l) => `    ${l}\n`).join("")}`;
}

function site(stage: "private" | "staging" | "production", lines: string[], extra: Record<string, string> = {}, vars?: Record<string, unknown>): Site {
  return loadFiles({ "hive.yml": stageFile(stage, ...lines), "s.yml": SVC, ...extra }, { stage, vars });
}

const hosts = (s: Site) => s.hosts.map((h) => [h.name, h.privateIp, h.availabilityZone, h.zoneIndex, h.groups.join(",")]);

test("host names per stage prefix and custom_hostname", () => {
  const rows: [stage: "private" | "staging" | "production", custom: string | null, names: string[]][] = [
    ["private", null, ["p-hive0.demo", "p-hive1.demo", "p-hive2.demo", "p-hive3.demo"]],
    ["staging", null, ["s-hive0.demo", "s-hive1.demo", "s-hive2.demo", "s-hive3.demo"]],
    ["production", null, ["hive0.demo", "hive1.demo", "hive2.demo", "hive3.demo"]],
    ["staging", "web-node", ["s-web-node0.demo", "s-web-node1.demo", "s-web-node2.demo", "s-web-node3.demo"]],
    ["production", "db", ["db0.demo", "db1.demo", "db2.demo", "db3.demo"]],
  ];
  for (const [stage, custom, names] of rows) {
    const s = site(stage, ["provider: prepared", "cidr: 10.0.0.0/24", ...(custom ? [`custom_hostname: ${custom}`] : [])]);
    assert.deepEqual(s.hosts.map((h) => h.name), names, `${stage} ${custom}`);
    assert.deepEqual(s.hosts.map((h) => h.shortName), names.map((n) => n.split(".")[0]));
  }
});

test("addresses: network+4.. without subnets, +5 round-robin with subnets, ip_address_list", () => {
  const rows: [lines: string[], ips: string[], subnets: string[]][] = [
    [["cidr: 10.0.0.0/24"], ["10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7"], ["demo-default", "demo-default", "demo-default", "demo-default"]],
    [["cidr: 192.168.56.0/27", "number_of_hosts: 2"], ["192.168.56.4", "192.168.56.5"], ["demo-default", "demo-default"]],
    [
      ["cidr: 10.0.0.0/24", "number_of_hosts: 5", "subnets:", "- {cidr: 10.0.0.0/26, name: a}", "- {cidr: 10.0.0.64/26}"],
      ["10.0.0.5", "10.0.0.69", "10.0.0.6", "10.0.0.70", "10.0.0.7"],
      ["a", "s-subnet1", "a", "s-subnet1", "a"],
    ],
    [["cidr: 10.0.0.0/16", "ip_address_list: [10.0.9.1, 10.0.3.3]"], ["10.0.9.1", "10.0.3.3"], ["demo-default", "demo-default"]],
  ];
  for (const [lines, ips, subnets] of rows) {
    const s = site("staging", ["provider: prepared", ...lines]);
    assert.deepEqual(s.hosts.map((h) => h.privateIp), ips, lines.join(" "));
    assert.deepEqual(s.hosts.map((h) => h.subnet), subnets);
  }
  const s = site("staging", ["provider: prepared", "cidr: 10.0.0.0/16", "ip_address_list: [10.0.9.1, 10.0.3.3]"]);
  assert.equal(s.hosts[0].prefixLength, 16);
  assert.equal(s.spec.numberOfHosts, 2);
});

test("zones: from subnets, spread per provider, null where only the cloud knows", () => {
  const rows: [lines: string[], zones: [string | null, number | null][]][] = [
    [["provider: aws", "region: ap-northeast-1", "cidr: 10.0.0.0/24"], [[null, 0], [null, 1], [null, 2], [null, 0]]],
    [["provider: azure", "region: japaneast", "cidr: 10.0.0.0/24"], [["1", 0], ["2", 1], ["3", 2], ["1", 0]]],
    [["provider: azure", "region: japaneast", "cidr: 10.0.0.0/24", "not_support_az: true"], [[null, null], [null, null], [null, null], [null, null]]],
    [["provider: gcp", "region: asia-northeast2", "cidr: 10.0.0.0/24"], [["asia-northeast2-a", 0], ["asia-northeast2-b", 1], ["asia-northeast2-c", 2], ["asia-northeast2-a", 0]]],
    [["provider: prepared", "cidr: 10.0.0.0/24"], [[null, null], [null, null], [null, null], [null, null]]],
    [
      ["provider: aws", "region: us-east-1", "cidr: 10.0.0.0/24", "subnets:", "- {cidr: 10.0.0.0/26, available_zone: us-east-1f}", "- {cidr: 10.0.0.64/26}"],
      [["us-east-1f", null], [null, 1], ["us-east-1f", null], [null, 1]],
    ],
  ];
  for (const [lines, zones] of rows) {
    const s = site("production", lines);
    assert.deepEqual(s.hosts.map((h) => [h.availabilityZone, h.zoneIndex]), zones, lines.join(" "));
  }
});

test("groups, repository and first hive; separate_repository false makes the last host a hive too", () => {
  const separate = site("staging", ["provider: prepared", "cidr: 10.0.0.0/24"]);
  assert.deepEqual(hosts(separate), [
    ["s-hive0.demo", "10.0.0.4", null, null, "first_hive,hives,servers,staging"],
    ["s-hive1.demo", "10.0.0.5", null, null, "hives,servers,staging"],
    ["s-hive2.demo", "10.0.0.6", null, null, "hives,servers,staging"],
    ["s-hive3.demo", "10.0.0.7", null, null, "repository,servers,staging"],
  ]);
  assert.equal(separate.repository, "s-hive3.demo");
  const together = site("staging", ["provider: prepared", "cidr: 10.0.0.0/24", "separate_repository: false"], { "group_vars/all.yml": "first_hive: 1\n" });
  assert.deepEqual(hosts(together), [
    ["s-hive0.demo", "10.0.0.4", null, null, "hives,servers,staging"],
    ["s-hive1.demo", "10.0.0.5", null, null, "first_hive,hives,servers,staging"],
    ["s-hive2.demo", "10.0.0.6", null, null, "hives,repository,servers,staging"],
  ]);
  assert.equal(together.firstHive, "s-hive1.demo");
  assert.deepEqual(together.hosts.map((h) => [h.isHive, h.isRepository, h.isFirstHive]), [
    [true, false, false],
    [true, false, true],
    [true, true, false],
  ]);
  const fromStack = site("staging", ["provider: prepared", "cidr: 10.0.0.0/24"], {}, { first_hive: 2 });
  assert.equal(fromStack.firstHive, "s-hive2.demo");
});

test("instance types, disks and memory for hives and the repository server", () => {
  const lines = ["provider: aws", "region: r", "cidr: 10.0.0.0/24", "number_of_hosts: 2", "instance_type: big", "repository_instance_type: small", "disk_size: 30", "repository_disk_size: 50", "mirrored_disk_size: 10"];
  const s = site("staging", lines);
  assert.deepEqual(s.hosts.map((h) => [h.instanceType, h.diskSize, h.mirroredDiskSize]), [["big", 30, 10], ["small", 50, null]]);
  const colocated = site("staging", [...lines, "separate_repository: false"]);
  assert.deepEqual(colocated.hosts.map((h) => [h.instanceType, h.diskSize, h.mirroredDiskSize]), [["big", 30, 10], ["small", 50, 10]]);
  const inherited = site("staging", lines.filter((l) => !l.startsWith("repository_instance_type")));
  assert.deepEqual(inherited.hosts.map((h) => h.instanceType), ["big", "big"]);
  const vagrant = site("private", ["provider: vagrant", "cidr: 10.0.0.0/24", "number_of_hosts: 2", "memory_size: 4096", "cpus: 2", "repository_memory_size: 2048"]);
  assert.deepEqual(vagrant.hosts.map((h) => [h.memorySize, h.cpus]), [[4096, 2], [2048, null]]);
});

test("internal_cidr split for /16 and /22", () => {
  const rows: [string, Record<string, string>][] = [
    ["10.254.0.0/16", { overlay: "10.254.0.0/18", ingress: "10.254.64.0/18", ingressGateway: "10.254.64.1", gwbridge: "10.254.128.0/19", docker0: "10.254.160.0/19", docker0Bip: "10.254.160.1/19", registry: "10.254.192.0/19", zabbix: "10.254.224.0/19" }],
    ["172.31.252.0/22", { overlay: "172.31.252.0/24", ingress: "172.31.253.0/24", ingressGateway: "172.31.253.1", gwbridge: "172.31.254.0/25", docker0: "172.31.254.128/25", docker0Bip: "172.31.254.129/25", registry: "172.31.255.0/25", zabbix: "172.31.255.128/25" }],
  ];
  for (const [cidr, expected] of rows) {
    const c = parseCidr(cidr);
    assert.notEqual(typeof c, "string");
    assert.deepEqual(splitInternalCidr(c as Exclude<typeof c, string>), expected);
    const s = site("staging", ["provider: prepared", "cidr: 10.0.0.0/24", `internal_cidr: ${cidr}`]);
    assert.deepEqual(s.internalNetworks, expected);
    assert.deepEqual(s.networks.map((n) => [n.name, n.subnet]), [["hive_default_network", expected.overlay]]);
  }
});

test("ports: short and long syntax, protocol default tcp", () => {
  const rows: [unknown, unknown][] = [
    ["80", { target: 80, published: null, protocol: "tcp", mode: "ingress" }],
    [8081, { target: 8081, published: null, protocol: "tcp", mode: "ingress" }],
    ["53:53/udp", { target: 53, published: 53, protocol: "udp", mode: "ingress" }],
    ["8080:80", { target: 80, published: 8080, protocol: "tcp", mode: "ingress" }],
    ["9000:9000/sctp", { target: 9000, published: 9000, protocol: "sctp", mode: "ingress" }],
    [{ target_port: 80, published_port: 80 }, { target: 80, published: 80, protocol: "tcp", mode: "ingress" }],
    [{ target_port: 53, protocol: "udp", mode: "host" }, { target: 53, published: null, protocol: "udp", mode: "host" }],
    ["70000:80", "port number 70000 is out of range 1-65535"],
    ["80/http", 'unknown protocol "http"; allowed: tcp, udp, sctp'],
  ];
  for (const [input, expected] of rows) assert.deepEqual(parsePort(input), expected, JSON.stringify(input));
});

test("automatic published ports: stable per key, 61001 upwards, tcp and udp of one target share a port", () => {
  const files = { "hive.yml": HIVE, "s.yml": web("image: nginx", "ports: ['80', '53/udp', '53/tcp', '8443:443']") };
  const s = loadFiles(files);
  assert.deepEqual(s.services[0].ports.map((p) => [p.key, p.published, p.protocol, p.explicit]), [
    ["web80", 61001, "tcp", false],
    ["web53", 61002, "udp", false],
    ["web53", 61002, "tcp", false],
    ["web443", 8443, "tcp", true],
  ]);
  assert.deepEqual(s.allocations.ports, { web53: 61002, web80: 61001 });
  const again = loadFiles(files, { previous: { ports: { web53: 61500, gone1: 61001 }, minors: {} } });
  assert.deepEqual(again.services[0].ports.map((p) => p.published), [61002, 61500, 61500, 8443]);
  assert.deepEqual(again.newAllocations, { ports: { web80: 61002 }, minors: {} });
});

test("firewall: published ports below 10000 of all services of all stages, tcp and udp apart", () => {
  const files = {
    "hive.yml": HIVE,
    "a.yml": "plugin: hive_services\nservices:\n  dns:\n    image: pdns\n    ports: ['53:53/udp', '53:53/tcp', '8081']\n  web:\n    image: nginx\n    ports: ['443:443', '10443:443']\n",
    "b.yml": "plugin: hive_services\navailable_on: [production]\nservices:\n  prod:\n    image: x\n    ports: ['9999:80', '{{ port }}:81', {target_port: 22, published_port: 2222}]\n",
  };
  assert.deepEqual(loadFiles(files).firewall, { tcp: [53, 443, 2222, 9999], udp: [53] });
});

test("standalone services get tmpfs mounts, capabilities, init command and a privileged build", () => {
  const s = loadFiles({ "hive.yml": HIVE, "s.yml": web("image: {from: almalinux:9}", "standalone: true", "cap_add: [SYS_ADMIN]", "volumes: [{source: data, target: /data}]") });
  const svc = s.services[0];
  assert.deepEqual(svc.mounts, [
    { source: "", target: "/run", type: "tmpfs", readonly: false },
    { source: "", target: "/tmp", type: "tmpfs", readonly: false },
    { source: "", target: "/sys/fs/cgroup", type: "tmpfs", readonly: false },
    { source: "data", target: "/data", type: "volume", readonly: false },
  ]);
  assert.deepEqual(svc.capAdd, ["SYS_ADMIN", "NET_ADMIN", "SYSLOG", "SYS_PTRACE", "AUDIT_CONTROL"]);
  assert.deepEqual(svc.args, ["sh", "-c", "mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec /sbin/init"]);
  assert.equal(svc.labels.HIVE_STANDALONE, "True");
  assert.deepEqual([svc.image.build?.standalone, svc.image.build?.privileged], [true, true]);
  const own = loadFiles({ "hive.yml": HIVE, "s.yml": web("image: x", "standalone: true", "command: /usr/sbin/init --log-level=debug") });
  assert.deepEqual(own.services[0].args, ["/usr/sbin/init", "--log-level=debug"]);
});

test("logging: syslog to the repository server by default; TLS with tls_logging; explicit logging as given", () => {
  const rows: [files: Record<string, string>, vars: Record<string, unknown> | undefined, expected: unknown][] = [
    [{ "s.yml": web("image: x") }, undefined, { driver: "syslog", options: { "syslog-address": "udp://s-hive3.demo:10514", "syslog-facility": "local0", tag: "web" } }],
    [
      { "s.yml": web("image: x") },
      { tls_logging: true, hive_syslog_port: 6514 },
      {
        driver: "syslog",
        options: {
          "syslog-address": "tcp+tls://s-hive3.demo:6514",
          "syslog-facility": "local0",
          tag: "web",
          "syslog-tls-ca-cert": "/home/ec2-user/.docker/ca.pem",
          "syslog-tls-cert": "/home/ec2-user/.docker/cert.pem",
          "syslog-tls-key": "/home/ec2-user/.docker/key.pem",
        },
      },
    ],
    [{ "s.yml": web("image: x", "logging: {driver: json-file, options: {max-size: 10m, max-file: 3}}") }, undefined, { driver: "json-file", options: { "max-size": "10m", "max-file": "3" } }],
  ];
  for (const [files, vars, expected] of rows) {
    assert.deepEqual(loadFiles({ "hive.yml": HIVE, ...files }, { vars }).services[0].logging, expected);
  }
});

test("image references: tagged, built, pull_on, another service's image", () => {
  const files = {
    "hive.yml": HIVE,
    "s.yml": [
      "plugin: hive_services",
      "services:",
      "  tagged:",
      "    image: nginx:1.27",
      "  built:",
      "    image: {from: alpine, roles: [r1, r2], env: {A: '1'}, expose: 8080, user: app}",
      "  pulled:",
      "    image: {from: alpine, pull_on: [staging], pull_from: 'registry.example.com/app:1'}",
      "  sidecar:",
      "    image: '{{ hive_registry }}/image_built'",
      "",
    ].join("\n"),
  };
  const rows: [stage: "staging" | "private", refs: [string, string, string, boolean][]][] = [
    ["staging", [["tagged", "pull", "nginx:1.27", false], ["built", "build", "s-hive3.demo:5000/image_built", true], ["pulled", "pull", "registry.example.com/app:1", false], ["sidecar", "pull", "s-hive3.demo:5000/image_built", false]]],
    ["private", [["tagged", "pull", "nginx:1.27", false], ["built", "build", "p-hive3.demo:5000/image_built", true], ["pulled", "build", "p-hive3.demo:5000/image_pulled", true], ["sidecar", "pull", "p-hive3.demo:5000/image_built", false]]],
  ];
  for (const [stage, refs] of rows) {
    const s = loadFiles(files, { stage });
    assert.deepEqual(s.services.map((x) => [x.name, x.image.kind, x.image.ref, x.image.build !== null]), refs, stage);
  }
  const built = loadFiles(files).services[1].image.build;
  assert.deepEqual(built, { from: "alpine", roles: ["r1", "r2"], env: { A: "1" }, stopSignal: null, user: "app", workingDir: null, entrypoint: null, command: null, privileged: false, expose: ["8080"], standalone: false, dockerfile: null });
});

test("available_on at file, service and volume level", () => {
  const files = {
    "hive.yml": HIVE,
    "a.yml": "plugin: hive_services\navailable_on: [private]\nservices:\n  only_private:\n    image: x\n  overridden:\n    image: x\n    available_on: [staging]\n",
    "b.yml": [
      "plugin: hive_services",
      "services:",
      "  everywhere:",
      "    image: x",
      "    volumes:",
      "      - {source: rep, target: /r, drbd: {fstype: ext4, size: 100M, available_on: [staging]}}",
      "      - {source: nfsvol, target: /n, nfs: {available_on: [private]}}",
      "      - {source: local, target: /l, driver: local, driver_opts: {type: tmpfs}}",
      "",
    ].join("\n"),
  };
  const rows: [stage: "private" | "staging", services: string[], volumes: string[]][] = [
    ["private", ["only_private", "everywhere"], ["rep:plain", "nfsvol:nfs", "local:driver"]],
    ["staging", ["overridden", "everywhere"], ["rep:drbd", "nfsvol:plain", "local:driver"]],
  ];
  for (const [stage, services, volumes] of rows) {
    const s = loadFiles(files, { stage });
    assert.deepEqual(s.services.map((x) => x.name), services, stage);
    assert.deepEqual(s.volumes.map((v) => `${v.name}:${v.kind}`), volumes, stage);
  }
  const staging = loadFiles(files);
  assert.deepEqual(staging.volumes[0].drbd, { fstype: "ext4", size: "100M", diskless: [], vgname: "drbdvg", minor: 1, port: 7001 });
  assert.deepEqual(staging.volumes[2].driverOpts, { type: "tmpfs" });
});

test("admin user per provider and hive_admin", () => {
  const rows: [provider: string, extra: string[], vars: Record<string, unknown> | undefined, admin: string][] = [
    ["vagrant", [], undefined, "vagrant"],
    ["aws", ["region: r"], undefined, "ec2-user"],
    ["azure", ["region: r"], undefined, "hiveadmin"],
    ["gcp", ["region: r"], undefined, "admin"],
    ["prepared", [], undefined, "admin"],
    ["aws", ["region: r"], { hive_admin: "ops" }, "ops"],
  ];
  for (const [provider, extra, vars, admin] of rows) {
    const stage = provider === "vagrant" ? "private" : "staging";
    assert.equal(site(stage, [`provider: ${provider}`, "cidr: 10.0.0.0/24", ...extra], {}, vars).adminUser, admin, provider);
  }
});

test("templates: secrets, env and file lookups, omit, defaults, conditionals, other variables", () => {
  const s = loadFiles(
    {
      "hive.yml": HIVE,
      "group_vars/all.yml": "base: demo\nlong: \"{{ base }}-{{ hive_stage }}\"\nflag: \"{{ 'on' if hive_provider in ['aws', 'gcp'] else 'off' }}\"\n",
      "group_vars/services.yml": "pw: \"{{ lookup('password', '/any/dir/app_password') }}\"\nhexpw: \"{{ lookup('password', hive_context_dir + '/hex length=8 chars=hexdigits') }}\"\n",
      "s.yml": web(
        "image: x",
        "environment:",
        '  URL: "postgres://app:{{ pw }}@db/{{ long }}"',
        '  HOME_DIR: "{{ lookup(\'env\', \'HOME_FOR_TEST\') }}"',
        '  EMAIL: "{{ hive_email | default(omit) }}"',
        '  LEVEL: "{{ log_level | default(\'info\') }}"',
        '  FLAG: "{{ flag }}"',
        '  HEX: "{{ hexpw }}"',
        '  COUNT: "{{ 2 + 3 }}"',
      ),
    },
    { env: { HOME_FOR_TEST: "/home/x" } },
  );
  assert.deepEqual(s.services[0].environment, {
    URL: { kind: "secret", parts: ["postgres://app:", { secret: "app_password" }, "@db/demo-staging"] },
    HOME_DIR: "/home/x",
    LEVEL: "info",
    FLAG: "on",
    HEX: { kind: "secret", parts: [{ secret: "hex" }] },
    COUNT: 5,
  });
  assert.deepEqual(s.secrets, [
    { name: "app_password", length: 20, chars: ["ascii_letters", "digits", ".,:-_"] },
    { name: "hex", length: 8, chars: ["hexdigits"] },
  ]);
  // Not hive's own variables: evaluated where the service uses them, not kept in the model.
  assert.deepEqual(s.vars, {});
});

test("command becomes swarm args, entrypoint becomes swarm command", () => {
  const s = loadFiles({ "hive.yml": HIVE, "s.yml": web("image: x", "command: [--port, 80]", "entrypoint: /bin/run 'a b'") });
  assert.deepEqual([s.services[0].args, s.services[0].command], [["--port", 80], ["/bin/run", "a b"]]);
  assert.deepEqual(shellSplit(`a "b c" 'd e' f\\ g`), ["a", "b c", "d e", "f g"]);
});

test("every server of the stage is in a service's hosts, then its own entries", () => {
  const s = loadFiles({ "hive.yml": HIVE, "s.yml": web("image: x", "hosts: {db.example.com: 10.9.9.9}") });
  assert.deepEqual(s.services[0].hosts, {
    "s-hive0.demo": "10.1.0.4",
    "s-hive1.demo": "10.1.0.5",
    "s-hive2.demo": "10.1.0.6",
    "s-hive3.demo": "10.1.0.7",
    "db.example.com": "10.9.9.9",
  });
});

test("networks: hive_default_network always, declared ones with ipam; services join all by default", () => {
  const s = loadFiles({
    "hive.yml": HIVE,
    "s.yml": "plugin: hive_services\nnetworks:\n  backend:\n    ipam: {config: [{subnet: 10.200.0.0/24}]}\nservices:\n  web:\n    image: x\n  api:\n    image: x\n    networks: [backend]\n",
  });
  assert.deepEqual(s.networks.map((n) => [n.name, n.subnet, n.attachable]), [["hive_default_network", null, true], ["backend", "10.200.0.0/24", true]]);
  assert.deepEqual(s.services.map((x) => [x.name, x.networks]), [["web", ["hive_default_network", "backend"]], ["api", ["backend"]]]);
});

test("the site model is immutable", () => {
  const s = loadFiles({ "hive.yml": HIVE, "s.yml": web("image: x") });
  assert.throws(() => {
    (s.hosts as unknown as unknown[]).push({});
  }, TypeError);
});

test("server variables: group layers, host_vars, per-server built-ins, groups and hostvars", () => {
  const s = loadFiles({
    "hive.yml": HIVE,
    "group_vars/all.yml": "hive_level: all\n",
    "group_vars/hives.yml": "hive_level: hives\nhive_role: hive\n",
    "group_vars/repository.yml": "hive_role: repo\n",
    "group_vars/staging.yml": "hive_stage_note: \"{{ hive_stage }} has {{ groups['hives'] | length }} hives, first {{ groups['first_hive'][0] }}\"\n",
    "host_vars/s-hive1.demo.yml": "hive_level: host\nhive_me: \"{{ inventory_hostname_short }}@{{ hive_private_ip }}, repo at {{ hostvars[hive_repository].hive_private_ip }}\"\n",
    "s.yml": web("image: x"),
  });
  assert.deepEqual(
    s.hosts.map((h) => h.vars),
    [
      { hive_level: "hives", hive_role: "hive", hive_stage_note: "staging has 3 hives, first s-hive0.demo" },
      { hive_level: "host", hive_me: "s-hive1@10.1.0.5, repo at 10.1.0.7", hive_role: "hive", hive_stage_note: "staging has 3 hives, first s-hive0.demo" },
      { hive_level: "hives", hive_role: "hive", hive_stage_note: "staging has 3 hives, first s-hive0.demo" },
      { hive_level: "all", hive_role: "repo", hive_stage_note: "staging has 3 hives, first s-hive0.demo" },
    ],
  );
  assert.deepEqual(s.vars, { hive_level: "all", hive_stage_note: "staging has 3 hives, first s-hive0.demo" });
});

test("a site-wide variable built from a server's own values is evaluated per server only", () => {
  const s = loadFiles({ "hive.yml": HIVE, "group_vars/hosts.yml": "hive_listen: \"{{ hive_private_ip }}:8080\"\nhive_zone: \"{{ hive_stage }}\"\n", "s.yml": web("image: x") });
  assert.deepEqual(s.vars, { hive_zone: "staging" });
  assert.deepEqual(s.hosts.map((h) => h.vars.hive_listen), ["10.1.0.4:8080", "10.1.0.5:8080", "10.1.0.6:8080", "10.1.0.7:8080"]);
});

test("lookup('file', …) reads a file (trailing whitespace removed); a missing file is an error", () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-file-"));
  try {
    writeFileSync(join(dir, "motd.txt"), "hello\nworld\n\n");
    const s = loadFiles({ "hive.yml": HIVE, "s.yml": web("image: x", "environment:", `  MOTD: "{{ lookup('file', '${join(dir, "motd.txt")}') }}"`) });
    assert.equal(s.services[0].environment.MOTD, "hello\nworld");
    assert.deepEqual(problemsOf({ "hive.yml": HIVE, "s.yml": web("image: x", "environment:", `  MOTD: "{{ lookup('file', '${join(dir, "none.txt")}') }}"`) }), [
      `s.yml:6:13: services.web.environment.MOTD: lookup('file', '${join(dir, "none.txt")}'): cannot read ${join(dir, "none.txt")}`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
