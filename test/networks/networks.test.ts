import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { networkArgs } from "../../components/networks/networks";
import { dockerProviderArgs, writePrivateKeyFile } from "../../components/networks/docker-provider";
import { nfsVolumeError } from "../../components/volumes/volumes";
import { resolve } from "../services/resolve-outputs";

const base = { name: "n", driver: "overlay" as const, attachable: true, subnet: null, ipam: null, driverOpts: {} };

test("hive_default_network takes the internal_cidr slice", () => {
  assert.deepEqual(networkArgs({ ...base, name: "hive_default_network", subnet: "10.254.0.0/18" }), {
    name: "hive_default_network",
    driver: "overlay",
    attachable: true,
    ipamConfigs: [{ subnet: "10.254.0.0/18" }],
  });
});

test("explicit ipam config, driver and options win over the subnet", () => {
  assert.deepEqual(
    networkArgs({
      ...base,
      attachable: false,
      subnet: "10.9.0.0/24",
      ipam: {
        driver: "default",
        config: [{ subnet: "10.9.0.0/24", gateway: "10.9.0.1", ip_range: "10.9.0.128/25", aux_addresses: { router: "10.9.0.2" } }],
        options: { foo: "bar" },
      },
      driverOpts: { encrypted: "true" },
    }),
    {
      name: "n",
      driver: "overlay",
      attachable: false,
      ipamConfigs: [{ subnet: "10.9.0.0/24", gateway: "10.9.0.1", ipRange: "10.9.0.128/25", auxAddress: { router: "10.9.0.2" } }],
      ipamDriver: "default",
      ipamOptions: { foo: "bar" },
      options: { encrypted: "true" },
    },
  );
  assert.deepEqual(networkArgs(base), { name: "n", driver: "overlay", attachable: true });
});

test("the SSH key file is written 0600 and only its path reaches the provider, not as a secret", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-keys-test-"));
  const path = writePrivateKeyFile(pulumi.secret("-----BEGIN KEY-----\nabc\n-----END KEY-----"), join(dir, "keys"));
  const resolved = (await resolve(path)) as string;
  assert.equal(typeof resolved, "string", "the path is not a secret");
  assert.equal(readFileSync(resolved, "utf8"), "-----BEGIN KEY-----\nabc\n-----END KEY-----\n");
  assert.equal(statSync(resolved).mode & 0o777, 0o600);
  assert.deepEqual(await resolve(dockerProviderArgs("10.0.0.5", "admin", resolved)), {
    host: "ssh://admin@10.0.0.5",
    disableDockerDaemonCheck: true,
    sshOpts: ["-i", resolved, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"],
  });
});

test("nfs volumes are refused with the existing alternative", () => {
  assert.equal(
    nfsVolumeError({ name: "shared", kind: "nfs", drbd: null, driver: null, driverOpts: {}, nfs: { size: null }, services: ["a"], pos: { file: "f", line: 1, column: 1 } }),
    'volume "shared" uses nfs:, whose managed NFS share (EFS, Filestore, Azure Files) is not supported yet; mount an existing NFS export with driver: local and driver_opts {type: nfs, device: ":/path", o: "addr=<server>,rw"}',
  );
});
