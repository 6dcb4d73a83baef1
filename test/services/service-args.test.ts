import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  extRepositories,
  memoryBytes,
  proxyEnvironment,
  registryOf,
  serviceArgs,
  serviceIgnoreChanges,
  recordedImage,
  type ServiceContext,
} from "../../components/services/service-args";
import { everyAttributeService, stagingSite } from "../helpers/services-site-fixture";
import { resolve } from "./resolve-outputs";

const site = stagingSite();
const ctx: ServiceContext = {
  site,
  image: "s-hive3.pdns:5000/image_allattrs:0123456789ab",
  networkIds: { hive_default_network: "net-default", backend: "net-backend" },
  secrets: { db_password: pulumi.secret("s3cret") },
  registryPassword: pulumi.secret("regpw"),
  extRepositories: [{ repository: "quay.io", username: "bot", password: pulumi.secret("quaypw") }],
};

const stagingHosts = [
  { host: "s-hive0.pdns", ip: "192.168.0.5" },
  { host: "s-hive1.pdns", ip: "192.168.0.69" },
  { host: "s-hive2.pdns", ip: "192.168.0.133" },
  { host: "s-hive3.pdns", ip: "192.168.0.6" },
];

test("every attribute of a service maps to the swarm service inputs", async () => {
  const svc = everyAttributeService();
  assert.deepEqual(await resolve(serviceArgs(svc, ctx)), {
    name: "allattrs",
    auth: { serverAddress: "s-hive3.pdns:5000", username: "hive", password: { secret: "regpw" } },
    labels: [
      { label: "HIVE_STANDALONE", value: "True" },
      { label: "HIVE_VIP", value: "192.168.0.200" },
      { label: "com.example.obj", value: '{"a": 1}' },
    ],
    mode: { replicated: { replicas: 2 } },
    endpointSpec: {
      mode: "vip",
      ports: [
        { targetPort: 8080, publishedPort: 61001, protocol: "tcp", publishMode: "ingress" },
        { targetPort: 5353, publishedPort: 5353, protocol: "udp", publishMode: "host" },
      ],
    },
    updateConfig: { parallelism: 2, delay: "10s", failureAction: "rollback", monitor: "15s", maxFailureRatio: "0.5", order: "start-first" },
    rollbackConfig: { order: "stop-first" },
    convergeConfig: { delay: "5s", timeout: "10m" },
    taskSpec: {
      containerSpec: {
        image: "s-hive3.pdns:5000/image_allattrs:0123456789ab",
        hostname: "allattrs",
        commands: ["/usr/bin/tini", "--"],
        args: ["sh", "-c", "mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec /sbin/init"],
        env: { PLAIN: "x", COUNT: "3", FLAG: "true", PASSWORD: { secret: "pw:s3cret" } },
        mounts: [
          { type: "tmpfs", target: "/run", readOnly: false },
          { type: "volume", target: "/data", source: "allattrs_data", readOnly: false },
          { type: "bind", target: "/etc/localtime", source: "/etc/localtime", readOnly: true },
        ],
        hosts: [
          { host: "s-hive0.pdns", ip: "192.168.0.5" },
          { host: "extra.example", ip: "10.0.0.9" },
        ],
        dnsConfig: { nameservers: ["192.168.0.2", "8.8.8.8"] },
        user: "1000:1000",
        dir: "/srv",
        healthcheck: {
          tests: ["CMD", "curl", "-f", "http://localhost/"],
          interval: "30s",
          timeout: "5s",
          startPeriod: "1m",
          retries: 3,
        },
        stopGracePeriod: "30s",
        capAdds: ["NET_ADMIN", "SYS_ADMIN"],
        capDrops: ["MKNOD"],
        sysctl: { "net.core.somaxconn": "1024" },
      },
      logDriver: { name: "json-file", options: { "max-size": "10m" } },
      placement: { constraints: ["node.labels.hives == true"], prefs: ["spread=node.labels.zone"] },
      resources: { limits: { nanoCpus: 1500000000, memoryBytes: 536870912 } },
      restartPolicy: { condition: "on-failure", delay: "5s", maxAttempts: 3, window: "120s" },
      networksAdvanceds: [{ id: "net-default" }, { id: "net-backend" }],
    },
  });
  assert.deepEqual(serviceIgnoreChanges(svc), []);
});

test("powerdns (pull image, secret in args and env, two ports, replicas unset)", async () => {
  const svc = site.services.find((s) => s.name === "powerdns")!;
  const args = (await resolve(serviceArgs(svc, { ...ctx, image: "procube/powerdns:latest" }))) as Record<string, unknown>;
  assert.equal(args.auth, undefined);
  assert.deepEqual(args.mode, { replicated: {} });
  assert.deepEqual(args.endpointSpec, {
    ports: [
      { targetPort: 53, publishedPort: 53, protocol: "tcp", publishMode: "ingress" },
      { targetPort: 53, publishedPort: 53, protocol: "udp", publishMode: "ingress" },
    ],
  });
  // Swarm's defaults, as hive-builder left them.
  assert.equal(args.updateConfig, undefined);
  assert.equal(args.rollbackConfig, undefined);
  assert.deepEqual(args.taskSpec, {
    containerSpec: {
      image: "procube/powerdns:latest",
      hostname: "powerdns",
      args: [
        "--api=yes",
        { secret: "--api-key=s3cret" },
        "--webserver=yes",
        "--webserver-address=0.0.0.0",
        "--webserver-allow-from=0.0.0.0/0",
      ],
      env: {
        MYSQL_PASSWORD: { secret: "s3cret" },
        MYSQL_HOST: "pdnsdb",
        MYSQL_DNSSEC: "yes",
        MYSQL_CHECK_INTERVAL: "10",
        MYSQL_CHECK_RETRY: "50",
      },
      mounts: [],
      hosts: stagingHosts,
    },
    logDriver: {
      name: "syslog",
      options: { "syslog-address": "udp://s-hive3.pdns:10514", "syslog-facility": "local0", tag: "powerdns" },
    },
    placement: { constraints: [], prefs: [] },
    networksAdvanceds: [{ id: "net-default" }],
  });
  // A pulled image: swarm's platforms for it are its own (recorded on create), never hive's.
  assert.deepEqual(serviceIgnoreChanges(svc), ["mode.replicated.replicas", "taskSpec.placement.platforms"]);
});

test("pdnsdb: built image authenticates to the site registry, swarm's update policy, dnsrr", async () => {
  const svc = site.services.find((s) => s.name === "pdnsdb")!;
  const args = (await resolve(serviceArgs(svc, { ...ctx, image: "s-hive3.pdns:5000/image_pdnsdb:abc" }))) as Record<string, unknown>;
  assert.deepEqual(args.auth, { serverAddress: "s-hive3.pdns:5000", username: "hive", password: { secret: "regpw" } });
  assert.deepEqual(args.endpointSpec, { mode: "dnsrr" });
  assert.equal(args.updateConfig, undefined);
  const spec = (args.taskSpec as { containerSpec: { mounts: unknown } }).containerSpec;
  assert.deepEqual(spec.mounts, [{ type: "volume", target: "/var/lib/mysql", source: "pdnsdb_data", readOnly: false }]);
});

test("global mode, ext repository auth, healthcheck string and disable", async () => {
  const svc = {
    ...site.services[0],
    mode: "global" as const,
    image: { kind: "pull" as const, ref: "quay.io/team/app:1", build: null },
    healthcheck: { test: "curl -f localhost", retries: "2" },
  };
  const args = (await resolve(serviceArgs(svc, ctx))) as Record<string, unknown>;
  assert.deepEqual(args.mode, { global: true });
  assert.deepEqual(args.auth, { serverAddress: "quay.io", username: "bot", password: { secret: "quaypw" } });
  const spec = (args.taskSpec as { containerSpec: { healthcheck: unknown } }).containerSpec;
  assert.deepEqual(spec.healthcheck, { tests: ["CMD-SHELL", "curl -f localhost"], retries: 2 });
  const off = (await resolve(serviceArgs({ ...svc, healthcheck: { disable: true } }, ctx))) as Record<string, unknown>;
  assert.deepEqual((off.taskSpec as { containerSpec: { healthcheck: unknown } }).containerSpec.healthcheck, { tests: ["NONE"] });
  assert.deepEqual(serviceIgnoreChanges(svc), ["taskSpec.placement.platforms"]);
});

test("errors: unknown network, missing secret, unallocated port, bad mem_limit", () => {
  const svc = site.services[0];
  assert.throws(() => serviceArgs({ ...svc, networks: ["nope"] }, ctx), {
    message: 'service "powerdns" uses network "nope", which the site does not define',
  });
  assert.throws(() => serviceArgs(svc, { ...ctx, secrets: {} }), { message: 'secret "db_password" is not among the site\'s secrets' });
  assert.throws(() => serviceArgs({ ...svc, ports: [{ ...svc.ports[0], published: null }] }, ctx), {
    message: 'port 53/tcp of service "powerdns" has no published number allocated',
  });
  assert.throws(() => memoryBytes("lots"), { message: 'mem_limit "lots" is not a size like 512M or 2G' });
});

test("memory sizes and registry hosts", async () => {
  assert.equal(memoryBytes("1g"), 1073741824);
  assert.equal(memoryBytes("2GB"), 2147483648);
  assert.equal(memoryBytes("1048576"), 1048576);
  assert.equal(registryOf("procube/nginx:latest"), null);
  assert.equal(registryOf("nginx"), null);
  assert.equal(registryOf("s-hive3.pdns:5000/image_x:1"), "s-hive3.pdns:5000");
  assert.deepEqual(
    await resolve(
      extRepositories(
        { hive_ext_repositories: [{ repository: "docker.io", login_user: "me", password: { kind: "secret", parts: [{ secret: "db_password" }] } }] },
        ctx.secrets,
      ),
    ),
    [{ repository: "docker.io", username: "me", password: { secret: "s3cret" } }],
  );
});

test("a service starts with the first hive's proxy and pip settings; its own environment wins", async () => {
  const proxied = {
    ...site,
    hosts: site.hosts.map((h) => ({ ...h, vars: { ...h.vars, hive_http_proxy: "10.0.0.1:3128", hive_pip_index_url: "https://pypi.example/simple" } })),
  };
  const env = proxyEnvironment(proxied);
  assert.equal(env.http_proxy, "http://10.0.0.1:3128");
  assert.equal(env.HTTPS_PROXY, "http://10.0.0.1:3128");
  assert.equal(env.PIP_INDEX_URL, "https://pypi.example/simple");
  assert.match(env.no_proxy, /^localhost,127\.0\.0\.1,s-hive0\.pdns,s-hive0,192\.168\.0\.5,/);
  assert.deepEqual(proxyEnvironment(site), {});
  const svc = { ...site.services.find((s) => s.name === "powerdns")!, environment: { http_proxy: "http://own:1" } };
  const args = (await resolve(serviceArgs(svc, { ...ctx, site: proxied, image: "procube/powerdns:latest" }))) as {
    taskSpec: { containerSpec: { env: Record<string, string> } };
  };
  assert.equal(args.taskSpec.containerSpec.env.http_proxy, "http://own:1");
  assert.equal(args.taskSpec.containerSpec.env.HTTP_PROXY, "http://10.0.0.1:3128");
});

test("recordedImage: the reference swarm pinned by digest while the inventory keeps it, else the inventory's", () => {
  const digest = `sha256:${"c".repeat(64)}`;
  assert.equal(recordedImage("mariadb:10.4", `mariadb:10.4@${digest}`), `mariadb:10.4@${digest}`);
  // First deploy; the registry could not be asked; the inventory changed the tag; a prefix that is not the reference.
  assert.equal(recordedImage("mariadb:10.4", undefined), "mariadb:10.4");
  assert.equal(recordedImage("mariadb:10.4", "mariadb:10.4"), "mariadb:10.4");
  assert.equal(recordedImage("mariadb:10.5", `mariadb:10.4@${digest}`), "mariadb:10.5");
  assert.equal(recordedImage("mariadb:10", `mariadb:10.4@${digest}`), "mariadb:10");
});
