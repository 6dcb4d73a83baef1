// The pdns site in staging under the mock runtime: every resource, its inputs, provider and dependencies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { mockBuildOutput, settle, startMocks, strings, unwrapSecrets, type Recorded } from "./mock-runtime";
import { stagingSite } from "../helpers/services-site-fixture";
import { resolve } from "./resolve-outputs";

const rolesDir = join(__dirname, "fixtures", "roles");

test("staging pdns workloads", async () => {
  const records = await startMocks("staging");
  const { deployWorkloads } = await import("../../components/services/workloads");
  const { imagePlan } = await import("../../components/images/image-build");
  const site = stagingSite();
  const conn = (ip: string) => ({ host: ip, user: "admin", privateKey: pulumi.secret("PRIVATE-KEY-TEXT") });
  const w = deployWorkloads("w", {
    site,
    repository: conn("192.168.0.6"),
    hives: Object.fromEntries(site.hosts.slice(0, 3).map((h) => [h.name, conn(h.privateIp)])),
    registryPassword: pulumi.secret("regpw"),
    secrets: { db_password: pulumi.secret("s3cret") },
    previousLedger: { ports: { old80: 61005 }, minors: { gone_data: 9 } },
    // powerdns was pinned by digest when it was created; proxy's tag changed in the inventory since.
    previousImages: { powerdns: `procube/powerdns:latest@sha256:${"e".repeat(64)}`, proxy: `nginx:old@sha256:${"f".repeat(64)}` },
    ansibleVenv: "/opt/hive/ansible",
    projectRolesDir: rolesDir,
    sshKeyPath: "/run/hive/key",
  });
  await settle(records);
  const r = (name: string): Recorded => {
    const x = records.get(name);
    assert.ok(x, `resource ${name} was not registered`);
    return x;
  };
  const inputs = (name: string) => unwrapSecrets(r(name).inputs) as Record<string, unknown>;

  // The resource tree.
  const tree = [...records.values()].map((x) => `${x.type} ${x.name} <- ${x.parent}`).sort();
  const hives = ["s-hive0", "s-hive1", "s-hive2"];
  const vols = ["letsencrypt_data", "pdnsadmin_data", "pdnsdb_data", "proxy_config"];
  const builtImages = ["certbot", "configure", "pdnsadmin", "pdnsdb"];
  const services = ["certbot", "configure", "pdnsadmin", "pdnsdb", "powerdns", "proxy"];
  const roles = ["certbot-runner", "hive-trust-ca", "powerdns-admin", "powerdns-init", "powerdns-initdb", "proxy-configure", "python-aptk"];
  const expected = [
    "hive:services:Workloads w <- ",
    "hive:services:AllocationLedger w-ledger <- w",
    ...hives.map((h) => `pulumi:providers:docker w-docker-${h} <- w`),
    "hive:images:RoleUploads w-roles <- w",
    "command:remote:Command w-roles-dir <- w-roles",
    ...roles.map((x) => `command:remote:CopyToRemote w-roles-${x} <- w-roles`),
    ...builtImages.flatMap((s) => [`hive:images:ImageBuild w-image-${s} <- w`, `command:remote:Command w-image-${s}-build <- w-image-${s}`]),
    ...vols.flatMap((v) => [
      `hive:volumes:DrbdVolume w-volume-${v} <- w`,
      ...hives.flatMap((h) => [
        `command:remote:Command w-volume-${v}-${h} <- w-volume-${v}`,
        `docker:index/volume:Volume w-volume-${v}-${h}-volume <- w-volume-${v}`,
      ]),
    ]),
    "hive:networks:SwarmNetworks w-networks <- w",
    "docker:index/network:Network w-networks-hive_default_network <- w-networks",
    ...services.flatMap((s) => [`hive:services:SwarmService w-service-${s} <- w`, `docker:index/service:Service w-service-${s}-service <- w-service-${s}`]),
    "hive:services:ServiceInit w-init-powerdns <- w",
    "command:remote:Command w-init-powerdns-run <- w-init-powerdns",
    "hive:services:RepositoryFile w-backup-certbot <- w",
    "command:remote:Command w-backup-certbot-install <- w-backup-certbot",
  ].sort();
  assert.deepEqual(tree, expected);

  // Providers: SSH to each hive, the key as a path only.
  assert.deepEqual(inputs("w-docker-s-hive1"), {
    disableDockerDaemonCheck: "true",
    host: "ssh://admin@192.168.0.69",
    sshOpts: JSON.stringify(["-i", "/run/hive/key", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]),
  });

  // Image tags: content hash per image, services run exactly that tag.
  const tag = (svc: string) => imagePlan(site.services.find((s) => s.name === svc)!, site, rolesDir)!.tag;
  const tags = builtImages.map(tag);
  for (const t of tags) assert.match(t, /^[0-9a-f]{16}$/);
  assert.equal(new Set(tags).size, 4);
  const pdnsdb = inputs("w-service-pdnsdb-service");
  const spec = (pdnsdb.taskSpec as { secret: { containerSpec: Record<string, unknown> } }).secret.containerSpec;
  // By digest, with the platform, as swarm records a pushed image (else every update would show a difference).
  const digest = /^HIVE_IMAGE_DIGEST=(\S+)$/m.exec(mockBuildOutput("w-image-pdnsdb-build"))![1];
  assert.equal(spec.image, `s-hive3.pdns:5000/image_pdnsdb:${tag("pdnsdb")}@${digest}`);
  assert.deepEqual((pdnsdb.taskSpec as { secret: { placement: { platforms: unknown } } }).secret.placement.platforms, [{ architecture: "amd64", os: "linux" }]);
  assert.deepEqual(spec.env, { MYSQL_DATABASE: "powerdns", MYSQL_PASSWORD: "s3cret", MYSQL_ROOT_PASSWORD: "s3cret", MYSQL_USER: "powerdns" });
  assert.deepEqual(spec.mounts, [{ readOnly: false, source: "pdnsdb_data", target: "/var/lib/mysql", type: "volume" }]);
  assert.deepEqual(pdnsdb.auth, { secret: { password: "regpw", serverAddress: "s-hive3.pdns:5000", username: "hive" } });
  assert.deepEqual(pdnsdb.mode, { replicated: {} });
  assert.equal(r("w-service-pdnsdb-service").provider, "w-docker-s-hive0");
  // replicas unset: the count is left out of the diff (keeps the current scale).
  assert.deepEqual(r("w-service-pdnsdb-service").ignoreChanges, ["mode.replicated.replicas"]);
  const powerdns = inputs("w-service-powerdns-service");
  assert.equal((powerdns.taskSpec as { secret: { containerSpec: { image: string } } }).secret.containerSpec.image, `procube/powerdns:latest@sha256:${"e".repeat(64)}`);
  assert.deepEqual(r("w-service-powerdns-service").ignoreChanges, ["mode.replicated.replicas", "taskSpec.placement.platforms"]);
  assert.deepEqual(powerdns.endpointSpec, {
    ports: [
      { protocol: "tcp", publishMode: "ingress", publishedPort: 53, targetPort: 53 },
      { protocol: "udp", publishMode: "ingress", publishedPort: 53, targetPort: 53 },
    ],
  });
  const proxy = inputs("w-service-proxy-service");
  assert.deepEqual((proxy.taskSpec as { placement: unknown }).placement, { constraints: ["node.labels.proxy_config == true"], prefs: [] });

  // Volumes: a local docker volume on the DRBD device on every hive, through that hive's provider.
  for (const h of hives) {
    assert.deepEqual(inputs(`w-volume-proxy_config-${h}-volume`), { driver: "local", driverOpts: { device: "/dev/drbd3", type: "xfs" }, name: "proxy_config" });
    assert.equal(r(`w-volume-proxy_config-${h}-volume`).provider, `w-docker-${h}`);
    assert.deepEqual(r(`w-volume-proxy_config-${h}-volume`).deps, [`w-volume-proxy_config-${h}`]);
  }
  assert.match(String(inputs("w-volume-pdnsdb_data-s-hive0").create), /export HIVE_FORMAT='1'/);
  assert.match(String(inputs("w-volume-pdnsdb_data-s-hive1").create), /export HIVE_FORMAT='0'/);

  // Network.
  assert.deepEqual(inputs("w-networks-hive_default_network"), {
    attachable: true,
    driver: "overlay",
    ipamConfigs: [{ subnet: "10.254.0.0/18" }],
    name: "hive_default_network",
  });
  assert.equal(r("w-networks-hive_default_network").provider, "w-docker-s-hive0");

  // Order: images, volumes and networks before services; initialisation after its service.
  const volDeps = (v: string) => hives.flatMap((h) => [`w-volume-${v}-${h}`, `w-volume-${v}-${h}-volume`]);
  assert.deepEqual(r("w-service-pdnsdb-service").deps, ["w-image-pdnsdb-build", "w-networks-hive_default_network", ...volDeps("pdnsdb_data")].sort());
  assert.deepEqual(r("w-service-configure-service").deps, ["w-image-configure-build", "w-networks-hive_default_network", ...volDeps("proxy_config")].sort());
  assert.deepEqual(r("w-service-proxy-service").deps, ["w-networks-hive_default_network", ...volDeps("proxy_config")].sort());
  assert.deepEqual(r("w-service-powerdns-service").deps, ["w-networks-hive_default_network"]);
  assert.deepEqual(r("w-image-pdnsdb-build").deps, ["w-roles-powerdns-initdb", "w-roles-python-aptk"]);
  assert.deepEqual(r("w-init-powerdns-run").deps, ["w-roles-powerdns-init", "w-roles-python-aptk", "w-service-powerdns-service"]);

  // Role uploads: one folder per role and content (the source is folderContents, tested in test/images).
  for (const role of roles) assert.match(String(inputs(`w-roles-${role}`).remotePath), new RegExp(`^hive/roles/${role}-[0-9a-f]{16}$`), role);

  // Builds and initialisation: run once per content (triggers); the update only prints the reference again;
  // secrets only on stdin.
  const build = inputs("w-image-pdnsdb-build");
  assert.deepEqual(build.triggers, [tag("pdnsdb")]);
  assert.match(String(build.update), /^export HIVE_REFERENCE_ONLY='1'$/m);
  assert.equal(String(build.update).replace("export HIVE_REFERENCE_ONLY='1'\n", ""), build.create);
  // The registry password, then the stage's Ansible inventory for the build's roles (image_pdnsdb is a host).
  const stdin = (build.stdin as { secret: string }).secret.split("\n");
  assert.deepEqual(stdin.slice(0, 2), ["regpw", "HIVE_INVENTORY"]);
  assert.ok("image_pdnsdb" in (JSON.parse(stdin[2]) as { all: { children: { images: { hosts: object } } } }).all.children.images.hosts);
  assert.match(String(build.create), /export HIVE_ROLE_PATHS='hive\/roles\/python-aptk-[0-9a-f]{16}:hive\/roles\/powerdns-initdb-[0-9a-f]{16}'/);
  const init = inputs("w-init-powerdns-run");
  // The inventory's reference, not the pinned one: a pin after the first deploy must not run it again.
  assert.equal((init.triggers as unknown[])[0], "procube/powerdns:latest");
  assert.match(String(init.create), /export HIVE_SERVICE='powerdns'\nexport HIVE_DOMAIN='pdns'\nexport HIVE_FIRST_HIVE='s-hive0.pdns'/);
  assert.match(String(inputs("w-backup-certbot-install").create), /export HIVE_FILE_PATH='\/var\/lib\/hive-backup.d\/certbot'/);

  // No secret in any plain (non-secret) input of any resource.
  for (const x of records.values()) {
    const plain = strings(JSON.parse(JSON.stringify(unwrapSecrets(x.inputs), (k, v) => (k === "secret" ? undefined : v))));
    for (const s of plain) {
      for (const leak of ["s3cret", "regpw", "PRIVATE-KEY-TEXT"]) assert.ok(!s.includes(leak), `${x.name} has ${leak} in plain text`);
    }
  }

  // The ledger to store keeps the previous entries.
  assert.deepEqual(await resolve(w.allocations), {
    ports: { old80: 61005 },
    minors: { gone_data: 9, letsencrypt_data: 4, pdnsadmin_data: 2, pdnsdb_data: 1, proxy_config: 3 },
  });
});
