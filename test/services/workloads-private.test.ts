// The pdns site in the private stage (one host, plain volumes) under the mock runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { settle, startMocks, unwrapSecrets } from "./mock-runtime";
import { privateSite } from "../helpers/services-site-fixture";

test("private pdns workloads: no DRBD, plain volumes, one provider", async () => {
  const records = await startMocks("private");
  const { deployWorkloads } = await import("../../components/services/workloads");
  const site = privateSite();
  const conn = { host: "192.168.56.4", user: "vagrant", privateKey: pulumi.secret("K") };
  class HostSetup extends pulumi.CustomResource {
    constructor(name: string) {
      super("test:index:HostSetup", name, {});
    }
  }
  const setup = new HostSetup("setup");
  deployWorkloads("p", {
    site,
    repository: conn,
    hives: { "p-hive0.pdns": conn },
    registryPassword: pulumi.secret("regpw"),
    secrets: { db_password: pulumi.secret("s3cret") },
    previousLedger: { ports: {}, minors: {} },
    ansibleVenv: "/opt/hive/ansible",
    projectRolesDir: join(__dirname, "fixtures", "roles"),
    sshKeyPath: "/run/hive/key",
    dependsOn: [setup],
  });
  await settle(records);
  const types = [...records.values()].map((r) => r.type);
  assert.equal(types.filter((t) => t === "hive:volumes:DrbdVolume").length, 0);
  assert.equal(types.filter((t) => t === "docker:index/volume:Volume").length, 0);
  assert.deepEqual(
    [...records.values()].filter((r) => r.type === "pulumi:providers:docker").map((r) => r.name),
    ["p-docker-p-hive0"],
  );
  assert.deepEqual(
    [...records.values()].filter((r) => r.type === "docker:index/service:Service").map((r) => r.name).sort(),
    ["p-service-configure-service", "p-service-pdnsadmin-service", "p-service-pdnsdb-service", "p-service-powerdns-service", "p-service-proxy-service"],
  );
  assert.equal(records.has("p-backup-certbot"), false);
  // Everything but the docker provider waits for host setup; the service depends on its image, the network and host setup only.
  const pdnsdb = records.get("p-service-pdnsdb-service")!;
  assert.deepEqual(pdnsdb.deps, ["p-image-pdnsdb-build", "p-networks-hive_default_network", "setup"]);
  assert.deepEqual(records.get("p-roles-dir")!.deps, ["setup"]);
  assert.deepEqual(records.get("p-docker-p-hive0")!.deps, []);
  const spec = (unwrapSecrets(pdnsdb.inputs) as { taskSpec: { secret: { containerSpec: { mounts: unknown; image: string } } } }).taskSpec.secret.containerSpec;
  assert.deepEqual(spec.mounts, [{ readOnly: false, source: "pdnsdb_data", target: "/var/lib/mysql", type: "volume" }]);
  assert.match(spec.image, /^p-hive0\.pdns:5000\/image_pdnsdb:[0-9a-f]{16}@sha256:[0-9a-f]{64}$/);
  // No overlay slice configured: docker picks the subnet.
  assert.deepEqual(unwrapSecrets(records.get("p-networks-hive_default_network")!.inputs), {
    attachable: true,
    driver: "overlay",
    name: "hive_default_network",
  });
});
