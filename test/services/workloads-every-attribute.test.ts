// A service with every attribute, a driver volume and a declared network, under the mock runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deployTestWorkloads, settle, startMocks, unwrapSecrets } from "./mock-runtime";
import { everyAttributeService, stagingSite } from "../helpers/services-site-fixture";
import type { Site } from "../../src/inventory/model";

test("every attribute reaches the docker.Service; driver volume, declared network, init and repository files", async () => {
  const records = await startMocks("staging");
  const base = stagingSite();
  const site: Site = {
    ...base,
    services: [everyAttributeService()],
    volumes: [
      {
        name: "allattrs_data",
        kind: "driver",
        drbd: null,
        driver: "local",
        driverOpts: { type: "nfs", device: ":/export/data", o: "addr=192.168.0.250,rw" },
        nfs: null,
        services: ["allattrs"],
        pos: { file: "x.yml", line: 1, column: 1 },
      },
    ],
    networks: [
      ...base.networks,
      {
        name: "backend",
        driver: "overlay",
        attachable: false,
        subnet: "10.200.0.0/24",
        ipam: { driver: "default", config: [{ subnet: "10.200.0.0/24", gateway: "10.200.0.1" }] },
        driverOpts: { encrypted: "true" },
      },
    ],
  };
  await deployTestWorkloads(site, "s3cret");
  await settle(records);
  const inputs = (name: string) => {
    const r = records.get(name);
    assert.ok(r, `${name} not registered`);
    return unwrapSecrets(r.inputs) as Record<string, unknown>;
  };

  const svc = inputs("e-service-allattrs-service");
  const image = (svc.taskSpec as { secret: { containerSpec: { image: string } } }).secret.containerSpec.image;
  assert.match(image, /^s-hive3\.pdns:5000\/image_allattrs:[0-9a-f]{16}@sha256:[0-9a-f]{64}$/);
  const netId = (n: string) => `e-networks-${n}-id`;
  assert.deepEqual(svc, {
    auth: { secret: { password: "regpw", serverAddress: "s-hive3.pdns:5000", username: "hive" } },
    convergeConfig: { delay: "5s", timeout: "10m" },
    endpointSpec: {
      mode: "vip",
      ports: [
        { protocol: "tcp", publishMode: "ingress", publishedPort: 61001, targetPort: 8080 },
        { protocol: "udp", publishMode: "host", publishedPort: 5353, targetPort: 5353 },
      ],
    },
    labels: [
      { label: "HIVE_STANDALONE", value: "True" },
      { label: "HIVE_VIP", value: "192.168.0.200" },
      { label: "com.example.obj", value: '{"a": 1}' },
    ],
    mode: { replicated: { replicas: 2 } },
    name: "allattrs",
    rollbackConfig: { order: "stop-first" },
    updateConfig: { delay: "10s", failureAction: "rollback", maxFailureRatio: "0.5", monitor: "15s", order: "start-first", parallelism: 2 },
    taskSpec: {
      secret: {
        containerSpec: {
          args: ["sh", "-c", "mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec /sbin/init"],
          capAdds: ["NET_ADMIN", "SYS_ADMIN"],
          capDrops: ["MKNOD"],
          commands: ["/usr/bin/tini", "--"],
          dir: "/srv",
          dnsConfig: { nameservers: ["192.168.0.2", "8.8.8.8"] },
          env: { COUNT: "3", FLAG: "true", PASSWORD: "pw:s3cret", PLAIN: "x" },
          healthcheck: { interval: "30s", retries: 3, startPeriod: "1m", tests: ["CMD", "curl", "-f", "http://localhost/"], timeout: "5s" },
          hostname: "allattrs",
          hosts: [
            { host: "s-hive0.pdns", ip: "192.168.0.5" },
            { host: "extra.example", ip: "10.0.0.9" },
          ],
          image,
          mounts: [
            { readOnly: false, target: "/run", type: "tmpfs" },
            { readOnly: false, source: "allattrs_data", target: "/data", type: "volume" },
            { readOnly: true, source: "/etc/localtime", target: "/etc/localtime", type: "bind" },
          ],
          stopGracePeriod: "30s",
          sysctl: { "net.core.somaxconn": "1024" },
          user: "1000:1000",
        },
        logDriver: { name: "json-file", options: { "max-size": "10m" } },
        networksAdvanceds: [{ id: netId("hive_default_network") }, { id: netId("backend") }],
        placement: { constraints: ["node.labels.hives == true"], platforms: [{ architecture: "amd64", os: "linux" }], prefs: ["spread=node.labels.zone"] },
        resources: { limits: { memoryBytes: 536870912, nanoCpus: 1500000000 } },
        restartPolicy: { condition: "on-failure", delay: "5s", maxAttempts: 3, window: "120s" },
      },
    },
  });
  // The replica count is managed (set), so it is not ignored.
  assert.deepEqual(records.get("e-service-allattrs-service")!.ignoreChanges, []);
  assert.deepEqual(
    records.get("e-service-allattrs-service")!.deps,
    ["e-image-allattrs-build", "e-networks-backend", "e-networks-hive_default_network", "e-volume-allattrs_data-s-hive0", "e-volume-allattrs_data-s-hive1", "e-volume-allattrs_data-s-hive2"],
  );
  for (const h of ["s-hive0", "s-hive1", "s-hive2"]) {
    assert.deepEqual(inputs(`e-volume-allattrs_data-${h}`), {
      driver: "local",
      driverOpts: { device: ":/export/data", o: "addr=192.168.0.250,rw", type: "nfs" },
      name: "allattrs_data",
    });
    assert.equal(records.get(`e-volume-allattrs_data-${h}`)!.provider, `e-docker-${h}`);
  }
  assert.deepEqual(inputs("e-networks-backend"), {
    attachable: false,
    driver: "overlay",
    ipamConfigs: [{ gateway: "10.200.0.1", subnet: "10.200.0.0/24" }],
    ipamDriver: "default",
    name: "backend",
    options: { encrypted: "true" },
  });
  const build = inputs("e-image-allattrs-build");
  assert.match(String(build.create), /export HIVE_STANDALONE='1'\nexport HIVE_PRIVILEGED='1'/);
  assert.deepEqual(records.get("e-init-allattrs-run")!.deps, ["e-image-allattrs-build", "e-roles-python-aptk", "e-service-allattrs-service"]);
  assert.match(String(inputs("e-monitor-allattrs-install").create), /export HIVE_FILE_PATH='\/etc\/rsyslog-services.d\/allattrs.conf'/);
  assert.match(String(inputs("e-monitor-allattrs-install").create), /export HIVE_RESTART_UNIT='rsyslog'/);
  assert.match(String(inputs("e-backup-allattrs-install").create), /backup_allattrs\(\)/);
});
