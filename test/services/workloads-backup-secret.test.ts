// A secret in a backup command under the mock runtime: the backup file holds a reference, the value goes to a
// root-only file through the install command's stdin as a secret, and no plain input carries it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deployTestWorkloads, settle, startMocks, strings, unwrapSecrets } from "./mock-runtime";
import { stagingSite } from "../helpers/services-site-fixture";
import type { Service, Site } from "../../src/inventory/model";

test("a backup command with a secret: the value reaches the server only as a secret stdin", async () => {
  const records = await startMocks("staging");
  const base = stagingSite();
  const svc: Service = {
    ...base.services.find((s) => s.name === "powerdns")!,
    backupScripts: [
      {
        name: "dump",
        directory: null,
        backupCommand: { kind: "secret", parts: ["pg_dumpall --password=", { secret: "db_password" }] },
        backupFile: null,
        restoreCommand: "psql",
        restoreFile: null,
        ext: "sql",
        cleanupDaysBefore: null,
        batchScripts: [],
      },
    ],
  };
  const site: Site = { ...base, services: [svc], volumes: [] };
  await deployTestWorkloads(site, "s3cret-value");
  await settle(records);
  const file = unwrapSecrets(records.get("e-backup-powerdns-install")!.inputs) as Record<string, unknown>;
  assert.ok(String(file.create).includes("hive_secrets_ready '\\''powerdns'\\'' '\\''db_password'\\''"), String(file.create));
  const secretFile = records.get("e-backup-powerdns-secret-db_password-install");
  assert.ok(secretFile, [...records.keys()].filter((k) => k.includes("backup")).join(" "));
  const inputs = unwrapSecrets(secretFile.inputs) as Record<string, unknown>;
  assert.deepEqual(inputs.stdin, { secret: "s3cret-value" });
  assert.match(String(inputs.create), /export HIVE_FILE_PATH='\/var\/lib\/hive-backup.d\/.secrets\/powerdns\/db_password'/);
  assert.match(String(inputs.create), /export HIVE_FILE_MODE='0600'/);
  // hive-backup.service runs as the admin user: the secret is its file.
  assert.match(String(inputs.create), /export HIVE_FILE_OWNER='admin'/);
  for (const [name, r] of records) {
    const plain = strings(JSON.parse(JSON.stringify(unwrapSecrets(r.inputs), (k, v: unknown) => (k === "secret" ? null : v))));
    assert.ok(!plain.some((x) => x.includes("s3cret-value") || x.includes("\uE000")), `${name} carries the secret or a placeholder in plain text`);
  }
});
