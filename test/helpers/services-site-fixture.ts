// Hand-built site models for the workload components' tests: the pdns example in staging (3 hives + a separate
// repository) and private (one host, DRBD volumes become plain volumes), and a service using every attribute.
import type {
  Host,
  ImageBuild,
  Network,
  Port,
  Service,
  Site,
  Stage,
  Volume,
} from "../../src/inventory/model";

const pos = { file: "powerdns.yml", line: 1, column: 1 };

function host(stage: Stage, index: number, ip: string, groups: string[], last: boolean, hiveCount: number): Host {
  const prefix = stage === "staging" ? "s-" : stage === "private" ? "p-" : "";
  const shortName = `${prefix}hive${index}`;
  return {
    name: `${shortName}.pdns`,
    shortName,
    index,
    privateIp: ip,
    prefixLength: stage === "private" ? 27 : 26,
    subnet: stage === "private" ? "pdns-default" : "subnet-a",
    availabilityZone: null,
    zoneIndex: null,
    groups: [...groups, stage].sort(),
    isHive: index < hiveCount,
    isRepository: last,
    isFirstHive: index === 0,
    instanceType: null,
    diskSize: 20,
    diskEncrypted: false,
    mirroredDiskSize: stage === "private" ? null : 20,
    mirroredDiskEncrypted: false,
    memorySize: null,
    cpus: null,
    vars: {},
  };
}

function build(from: string, roles: string[], extra: Partial<ImageBuild> = {}): ImageBuild {
  return {
    from,
    roles,
    env: {},
    stopSignal: null,
    user: null,
    workingDir: null,
    entrypoint: null,
    command: null,
    privileged: false,
    expose: [],
    standalone: false,
    dockerfile: null,
    ...extra,
  };
}

function port(svc: string, target: number, published: number, protocol: "tcp" | "udp"): Port {
  return { target, published, protocol, mode: "ingress", explicit: true, key: `${svc}${target}` };
}

const dbPassword = { kind: "secret" as const, parts: [{ secret: "db_password" }] };

function baseService(name: string, site: { registry: string; repository: string; hosts: Record<string, string> }): Service {
  return {
    name,
    pos,
    image: { kind: "pull", ref: "", build: null },
    args: null,
    command: null,
    environment: {},
    ports: [],
    mounts: [],
    labels: { HIVE_STANDALONE: "False" },
    logging: {
      driver: "syslog",
      options: { "syslog-address": `udp://${site.repository}:10514`, "syslog-facility": "local0", tag: name },
    },
    placement: { constraints: [], preferences: [] },
    mode: "replicated",
    replicas: null,
    restartConfig: null,
    updateConfig: null,
    rollbackConfig: null,
    endpointMode: null,
    dns: [],
    hosts: site.hosts,
    user: null,
    workingDir: null,
    healthcheck: null,
    stopGracePeriod: null,
    capAdd: [],
    capDrop: [],
    sysctls: {},
    cpuLimit: null,
    memLimit: null,
    standalone: false,
    initializeRoles: [],
    backupScripts: [],
    monitorError: [],
    ignoreError: [],
    networks: ["hive_default_network"],
  };
}

function pdnsServices(stage: Stage, registry: string, repository: string, hosts: Record<string, string>): Service[] {
  const s = { registry, repository, hosts };
  const built = (name: string, b: ImageBuild) => ({ kind: "build" as const, ref: `${registry}/image_${name}`, build: b });
  const services: Service[] = [
    {
      ...baseService("powerdns", s),
      image: { kind: "pull", ref: "procube/powerdns:latest", build: null },
      environment: {
        MYSQL_PASSWORD: dbPassword,
        MYSQL_HOST: "pdnsdb",
        MYSQL_DNSSEC: "yes",
        MYSQL_CHECK_INTERVAL: "10",
        MYSQL_CHECK_RETRY: "50",
      },
      args: [
        "--api=yes",
        { kind: "secret", parts: ["--api-key=", { secret: "db_password" }] },
        "--webserver=yes",
        "--webserver-address=0.0.0.0",
        "--webserver-allow-from=0.0.0.0/0",
      ],
      ports: [port("powerdns", 53, 53, "tcp"), port("powerdns", 53, 53, "udp")],
      initializeRoles: ["python-aptk", "powerdns-init"],
    },
    {
      ...baseService("pdnsdb", s),
      image: built("pdnsdb", build("mariadb:10.4", ["python-aptk", "powerdns-initdb"])),
      environment: {
        MYSQL_ROOT_PASSWORD: dbPassword,
        MYSQL_USER: "powerdns",
        MYSQL_PASSWORD: dbPassword,
        MYSQL_DATABASE: "powerdns",
      },
      endpointMode: "dnsrr",
      mounts: [{ source: "pdnsdb_data", target: "/var/lib/mysql", type: "volume", readonly: false }],
    },
    {
      ...baseService("pdnsadmin", s),
      image: built("pdnsadmin", build("ngoduykhanh/powerdns-admin:0.2.2", ["powerdns-admin"])),
      environment: {
        SQLALCHEMY_DATABASE_URI: "sqlite:////app/data/padmin.sqlite",
        GUINCORN_TIMEOUT: "60",
        GUNICORN_WORKERS: "2",
      },
      endpointMode: "dnsrr",
      mounts: [{ source: "pdnsadmin_data", target: "/app/data", type: "volume", readonly: false }],
    },
    {
      ...baseService("proxy", s),
      image: { kind: "pull", ref: "procube/nginx:latest", build: null },
      ports: [port("proxy", 80, 80, "tcp"), port("proxy", 443, 443, "tcp")],
      mounts: [{ source: "proxy_config", target: "/etc/nginx/conf.d", type: "volume", readonly: false }],
      placement: { constraints: ["node.labels.proxy_config == true"], preferences: [] },
    },
    {
      ...baseService("configure", s),
      image: built(
        "configure",
        build("python:3-alpine", ["hive-trust-ca", "proxy-configure"], {
          entrypoint: ["/usr/local/bin/python"],
          command: ["/usr/sbin/proxy-configure"],
        }),
      ),
      endpointMode: "dnsrr",
      environment: { TZ: "JST-9" },
      mounts: [
        { source: "proxy_config", target: "/etc/nginx/conf.d", type: "volume", readonly: false },
        { source: "/var/run/docker.sock", target: "/var/run/docker.sock", type: "bind", readonly: false },
      ],
      labels: { HIVE_MARK: "proxy_config", HIVE_STANDALONE: "False" },
    },
  ];
  if (stage !== "private") {
    services.push({
      ...baseService("certbot", s),
      image: built(
        "certbot",
        build("certbot/certbot:latest", ["certbot-runner"], {
          entrypoint: ["/usr/local/bin/python"],
          command: ["/usr/sbin/certbot-runner"],
        }),
      ),
      endpointMode: "dnsrr",
      environment: {
        TZ: "JST-9",
        CERTBOT_PDNS_API_KEY: dbPassword,
        CERTBOT_PDNS_BASE_URL: "http://powerdns:8081/api/v1",
      },
      mounts: [
        { source: "letsencrypt_data", target: "/etc/letsencrypt", type: "volume", readonly: false },
        { source: "/var/run/docker.sock", target: "/var/run/docker.sock", type: "bind", readonly: false },
      ],
      backupScripts: [
        {
          name: "certificates",
          directory: "/etc/letsencrypt",
          backupCommand: null,
          backupFile: null,
          restoreCommand: null,
          restoreFile: null,
          ext: null,
          cleanupDaysBefore: 3,
          batchScripts: [],
        },
      ],
    });
  }
  return services;
}

function drbdVolume(name: string, services: string[], size: string, minor: number): Volume {
  return {
    name,
    kind: "drbd",
    drbd: { fstype: "xfs", size, minor, port: 7000 + minor, diskless: [], vgname: "drbdvg" },
    driver: null,
    driverOpts: {},
    nfs: null,
    services,
    pos,
  };
}

function plainVolume(name: string, services: string[]): Volume {
  return { name, kind: "plain", drbd: null, driver: null, driverOpts: {}, nfs: null, services, pos };
}

const defaultNetwork = (subnet: string | null): Network => ({
  name: "hive_default_network",
  driver: "overlay",
  attachable: true,
  subnet,
  ipam: null,
  driverOpts: {},
});

function site(stage: Stage, hosts: Host[], services: Service[], volumes: Volume[], overlay: string | null): Site {
  const repo = hosts[hosts.length - 1];
  const first = hosts.find((h) => h.isFirstHive) as Host;
  return {
    name: "pdns",
    stage,
    provider: stage === "private" ? "vagrant" : "aws",
    spec: {} as Site["spec"],
    hosts,
    repository: repo.name,
    registry: `${repo.name}:5000`,
    firstHive: first.name,
    adminUser: "admin",
    internalNetworks: {
      overlay,
      ingress: null,
      ingressGateway: null,
      gwbridge: null,
      docker0: null,
      docker0Bip: null,
      registry: null,
      zabbix: null,
    },
    firewall: { tcp: [53, 80, 443], udp: [53] },
    services,
    volumes,
    networks: [defaultNetwork(overlay)],
    secrets: [{ name: "db_password", length: 15, chars: ["ascii_letters", "digits"] }],
    vars: {},
    allocations: { ports: {}, minors: Object.fromEntries(volumes.filter((v) => v.drbd).map((v) => [v.name, v.drbd?.minor as number])) },
    newAllocations: { ports: {}, minors: {} },
    inventoryDir: "/nonexistent/inventory",
  };
}

/** pdns in staging: hives s-hive0..2, repository s-hive3, four DRBD volumes (minors 1–4). */
export function stagingSite(): Site {
  const hosts = [
    host("staging", 0, "192.168.0.5", ["first_hive", "hives", "servers"], false, 3),
    host("staging", 1, "192.168.0.69", ["hives", "servers"], false, 3),
    host("staging", 2, "192.168.0.133", ["hives", "servers"], false, 3),
    host("staging", 3, "192.168.0.6", ["repository", "servers"], true, 3),
  ];
  const hostMap = Object.fromEntries(hosts.map((h) => [h.name, h.privateIp]));
  const services = pdnsServices("staging", "s-hive3.pdns:5000", "s-hive3.pdns", hostMap);
  const volumes = [
    drbdVolume("pdnsdb_data", ["pdnsdb"], "500M", 1),
    drbdVolume("pdnsadmin_data", ["pdnsadmin"], "500M", 2),
    drbdVolume("proxy_config", ["configure", "proxy"], "80M", 3),
    drbdVolume("letsencrypt_data", ["certbot"], "52M", 4),
  ];
  return site("staging", hosts, services, volumes, "10.254.0.0/18");
}

/** pdns in private: one host p-hive0 that is hive and repository; DRBD volumes are plain volumes. */
export function privateSite(): Site {
  const h = host("private", 0, "192.168.56.4", ["first_hive", "hives", "repository", "servers"], true, 1);
  const services = pdnsServices("private", "p-hive0.pdns:5000", "p-hive0.pdns", { [h.name]: h.privateIp });
  const volumes = [
    plainVolume("pdnsdb_data", ["pdnsdb"]),
    plainVolume("pdnsadmin_data", ["pdnsadmin"]),
    plainVolume("proxy_config", ["configure", "proxy"]),
  ];
  return site("private", [h], services, volumes, null);
}

/** A service setting every attribute the model has, on the staging site. */
export function everyAttributeService(): Service {
  const base = stagingSite();
  return {
    ...baseService("allattrs", { registry: base.registry, repository: base.repository, hosts: {} }),
    image: {
      kind: "build",
      ref: "s-hive3.pdns:5000/image_allattrs",
      build: build("almalinux:9", ["python-aptk", "hive-syslog"], { standalone: true, privileged: true }),
    },
    args: ["sh", "-c", "mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec /sbin/init"],
    command: ["/usr/bin/tini", "--"],
    environment: { PLAIN: "x", COUNT: 3, FLAG: true, PASSWORD: { kind: "secret", parts: ["pw:", { secret: "db_password" }] } },
    ports: [
      { target: 8080, published: 61001, protocol: "tcp", mode: "ingress", explicit: false, key: "allattrs8080" },
      { target: 5353, published: 5353, protocol: "udp", mode: "host", explicit: true, key: "allattrs5353" },
    ],
    mounts: [
      { source: "", target: "/run", type: "tmpfs", readonly: false },
      { source: "allattrs_data", target: "/data", type: "volume", readonly: false },
      { source: "/etc/localtime", target: "/etc/localtime", type: "bind", readonly: true },
    ],
    labels: { HIVE_STANDALONE: "True", HIVE_VIP: "192.168.0.200", "com.example.obj": '{"a": 1}' },
    logging: { driver: "json-file", options: { "max-size": "10m" } },
    placement: { constraints: ["node.labels.hives == true"], preferences: [{ spread: "node.labels.zone" }] },
    mode: "replicated",
    replicas: 2,
    restartConfig: { condition: "on-failure", delay: "5s", max_attempts: 3, window: "120s" },
    updateConfig: { parallelism: 2, delay: "10s", failure_action: "rollback", monitor: "15s", max_failure_ratio: 0.5, order: "start-first" },
    rollbackConfig: { order: "stop-first" },
    endpointMode: "vip",
    dns: ["192.168.0.2", "8.8.8.8"],
    hosts: { "s-hive0.pdns": "192.168.0.5", "extra.example": "10.0.0.9" },
    user: "1000:1000",
    workingDir: "/srv",
    healthcheck: { test: ["CMD", "curl", "-f", "http://localhost/"], interval: "30s", timeout: "5s", retries: 3, start_period: "1m" },
    stopGracePeriod: "30s",
    capAdd: ["NET_ADMIN", "SYS_ADMIN"],
    capDrop: ["MKNOD"],
    sysctls: { "net.core.somaxconn": "1024" },
    cpuLimit: 1.5,
    memLimit: "512M",
    standalone: true,
    initializeRoles: ["python-aptk"],
    backupScripts: [
      {
        name: "dump",
        directory: null,
        backupCommand: "pg_dumpall",
        backupFile: null,
        restoreCommand: "psql",
        restoreFile: null,
        ext: "sql",
        cleanupDaysBefore: 5,
        batchScripts: ["sync"],
      },
    ],
    monitorError: ["ERROR", "FATAL"],
    ignoreError: ["ERROR: harmless"],
    networks: ["hive_default_network", "backend"],
  };
}
