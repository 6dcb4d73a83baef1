// Backups that restore: a service's backup_scripts go through the real inventory layer, the generated
// /var/lib/hive-backup.d/<service> file and the real hive-backup.sh under bash, and real files are backed up,
// damaged and restored. Only docker is a stub, whose "container" is this machine (test/services/stubs-backup).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSite } from "../../src/inventory";
import type { Service, Site } from "../../src/inventory/model";
import { BACKUP_SECRETS_DIR, backupSecretNames, renderBackupScript } from "../../components/services/repository-files";
import { renderBackupDefaults, renderBackupService } from "../../components/repository/render";
import { componentPath } from "../../components/host/remote";
import { writeInventory } from "../inventory/helpers";

const TOOL = componentPath("repository/scripts/hive-backup.sh");
const STUBS = join(__dirname, "stubs-backup");

interface World {
  readonly top: string;
  readonly root: string;
  readonly data: string;
  readonly state: string;
  readonly log: string;
  readonly backups: string;
}

function newWorld(): World {
  const top = mkdtempSync(join(tmpdir(), "hive-backup-"));
  const w = { top, root: join(top, "root"), data: join(top, "data"), state: join(top, "state"), log: join(top, "calls.log"), backups: join(top, "root/home/admin/backup") };
  for (const d of [w.root, w.data, w.state]) mkdirSync(d, { recursive: true });
  return w;
}

/** The site of an inventory whose service `db` keeps its data under `data`. */
function siteWith(data: string, backupScripts: string): Site {
  const dir = writeInventory({
    "hive.yml": `plugin: hive_inventory
name: bk
stages:
  private:
    provider: prepared
    cidr: 10.0.0.0/24
    ip_address_list: [10.0.0.10, 10.0.0.11]
    separate_repository: false
`,
    "group_vars/all.yml": `db_password: "{{ lookup('password', hive_context_dir + '/db_password length=12') }}"\n`,
    "services.yml": `plugin: hive_services
services:
  db:
    image: postgres:16
    backup_scripts:
${backupScripts.replace(/DATA/g, data)}
`,
  });
  try {
    return loadSite({ inventoryDir: dir, stage: "private", contextDir: join(dir, ".hive") });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function install(w: World, site: Site, service: Service, secrets: Record<string, string> = {}): void {
  const hooks = join(w.root, "var/lib/hive-backup.d");
  mkdirSync(hooks, { recursive: true });
  writeFileSync(join(hooks, service.name), renderBackupScript(service, site)!);
  for (const [name, value] of Object.entries(secrets)) {
    mkdirSync(join(w.root, BACKUP_SECRETS_DIR, service.name), { recursive: true });
    writeFileSync(join(w.root, BACKUP_SECRETS_DIR, service.name, name), `${value}\n`, { mode: 0o600 });
  }
  mkdirSync(join(w.root, "etc/default"), { recursive: true });
  writeFileSync(join(w.root, "etc/default/hive-backup"), `${renderBackupDefaults(site)}\n`);
  writeFileSync(join(w.state, "service-ps"), `${service.name}.1.x1y2z3@p-hive0\n`);
}

function tool(w: World, args: string[]) {
  return spawnSync("bash", [TOOL, ...args], {
    encoding: "utf8",
    env: { PATH: `${STUBS}:/usr/bin:/bin`, ROOT: w.root, STUB_STATE: w.state, STUB_LOG: w.log, HOME: w.top },
  });
}

const ENTRIES = `      - name: db-dump
        backup_command: cat DATA/db.txt
        restore_command: cat > DATA/db.txt
        ext: sql
        cleanup_days_before: 2
      - name: db-file
        batch_scripts: [echo batch ran > DATA/batch.txt]
        backup_command: cat DATA/db.txt > DATA/today.sql
        backup_file: DATA/today.sql
        restore_file: DATA/restore.sql
        restore_command: cp DATA/restore.sql DATA/db.txt
      - name: files
        directory: DATA/dir`;

test("backup_scripts back up real files under hive-builder's names and restore them", () => {
  const w = newWorld();
  try {
    const site = siteWith(w.data, ENTRIES);
    const db = site.services.find((s) => s.name === "db")!;
    install(w, site, db);
    writeFileSync(join(w.data, "db.txt"), "row 1\nrow 2\n");
    mkdirSync(join(w.data, "dir/sub"), { recursive: true });
    writeFileSync(join(w.data, "dir/a.txt"), "a\n");
    writeFileSync(join(w.data, "dir/sub/b txt"), "b\n");
    // An old backup of an entry with cleanup_days_before 2, and one of an entry without it.
    mkdirSync(w.backups, { recursive: true });
    const old = new Date(Date.now() - 10 * 86400_000);
    for (const f of ["backup-db-dump-20200101000000.sql", "backup-files-20200101000000.tar.gz"]) {
      writeFileSync(join(w.backups, f), "old\n");
      utimesSync(join(w.backups, f), old, old);
    }

    const b = tool(w, ["-l", "db"]);
    assert.equal(b.status, 0, b.stderr);
    const files = readdirSync(w.backups).sort();
    const latest = (entry: string, ext: string) => {
      const link = `backup-${entry}-latest.${ext}`;
      assert.ok(files.includes(link), `${link} in ${files.join(" ")}`);
      assert.match(readlinkSync(join(w.backups, link)), new RegExp(`^backup-${entry}-\\d{14}\\.${ext.replace(".", "\\.")}$`));
      return join(w.backups, link);
    };
    // backup_command's standard output is the backup.
    assert.equal(readFileSync(latest("db-dump", "sql"), "utf8"), "row 1\nrow 2\n");
    // backup_command + backup_file: the command runs, then the file is the backup (it was empty before), in
    // hive-builder's default extension tar.gz; the batch script ran first.
    assert.equal(readFileSync(latest("db-file", "tar.gz"), "utf8"), "row 1\nrow 2\n");
    assert.equal(readFileSync(join(w.data, "batch.txt"), "utf8"), "batch ran\n");
    const listing = spawnSync("tar", ["tzf", latest("files", "tar.gz")], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).sort();
    assert.deepEqual(listing, ["./", "./a.txt", "./sub/", "./sub/b txt"]);
    // cleanup_days_before expires the entry's own old files only.
    assert.ok(!files.includes("backup-db-dump-20200101000000.sql"), files.join(" "));
    assert.ok(files.includes("backup-files-20200101000000.tar.gz"), files.join(" "));

    // Damage the data, then restore.
    writeFileSync(join(w.data, "db.txt"), "lost\n");
    rmSync(join(w.data, "dir/a.txt"));
    writeFileSync(join(w.data, "dir/junk"), "junk\n");
    const r = tool(w, ["-r", "-l", "db"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(w.data, "db.txt"), "utf8"), "row 1\nrow 2\n");
    assert.equal(readFileSync(join(w.data, "restore.sql"), "utf8"), "row 1\nrow 2\n");
    assert.deepEqual(readdirSync(join(w.data, "dir")).sort(), ["a.txt", "sub"]);
    assert.equal(readFileSync(join(w.data, "dir/sub/b txt"), "utf8"), "b\n");
    assert.match(r.stdout, /restored files from backup-files-\d{14}\.tar\.gz/);
  } finally {
    rmSync(w.top, { recursive: true, force: true });
  }
});

test("a backup hive-builder made restores by its name; a damaged archive leaves the data alone", () => {
  const w = newWorld();
  try {
    const site = siteWith(w.data, `      - name: files\n        directory: DATA/dir`);
    const db = site.services.find((s) => s.name === "db")!;
    install(w, site, db);
    // hive-builder's own command: cd <dir>; tar czf - $(find . -maxdepth 1 -not -name .)
    mkdirSync(join(w.top, "old"), { recursive: true });
    writeFileSync(join(w.top, "old/kept.txt"), "from hive-builder\n");
    mkdirSync(w.backups, { recursive: true });
    const made = spawnSync("sh", ["-c", `cd '${w.top}/old'; tar czf - $(find . -maxdepth 1 -not -name .) > '${w.backups}/backup-files-20240101010000.tar.gz'`]);
    assert.equal(made.status, 0);
    symlinkSync("backup-files-20240101010000.tar.gz", join(w.backups, "backup-files-latest.tar.gz"));
    mkdirSync(join(w.data, "dir"), { recursive: true });
    writeFileSync(join(w.data, "dir/new.txt"), "new\n");
    const r = tool(w, ["-r"]);
    // hive-registry and hive-zabbix have no backups here: skipped, not failed.
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /no backup of hive-registry in .*, skipped/);
    assert.deepEqual(readdirSync(join(w.data, "dir")), ["kept.txt"]);

    writeFileSync(join(w.backups, "backup-files-20240101010000.tar.gz"), "not gzip");
    const bad = tool(w, ["-r", "-l", "db"]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /backup-files-20240101010000\.tar\.gz is damaged; files not restored/);
    assert.deepEqual(readdirSync(join(w.data, "dir")), ["kept.txt"]);
  } finally {
    rmSync(w.top, { recursive: true, force: true });
  }
});

test("a secret in a backup command is read on the server: the script holds neither it nor a placeholder", () => {
  const w = newWorld();
  try {
    const site = siteWith(
      w.data,
      `      - name: db-dump
        backup_command: "printf '%s' '{{ db_password }}' > DATA/seen && cat DATA/db.txt"
        restore_command: "cat > DATA/db.txt"`,
    );
    const db = site.services.find((s) => s.name === "db")!;
    assert.deepEqual(backupSecretNames(db), ["db_password"]);
    const text = renderBackupScript(db, site)!;
    assert.ok(!text.includes("\uE000") && !text.includes("hive-secret"), text);
    assert.match(text, /"\$\(hive_secret 'db' 'db_password'\)"/);
    assert.equal(spawnSync("bash", ["-n"], { input: text }).status, 0);

    writeFileSync(join(w.data, "db.txt"), "row\n");
    install(w, site, db);
    const missing = tool(w, ["-l", "db"]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /secret db_password of db is not on this server/);
    assert.ok(!existsSync(join(w.data, "seen")));

    install(w, site, db, { db_password: "s3cr.et-X_9" });
    const b = tool(w, ["-l", "db"]);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(readFileSync(join(w.data, "seen"), "utf8"), "s3cr.et-X_9");
    assert.equal(readFileSync(join(w.backups, "backup-db-dump-latest.tar.gz"), "utf8"), "row\n");
  } finally {
    rmSync(w.top, { recursive: true, force: true });
  }
});

test("a backup entry without a way back says so on restore; names cannot hold secrets", () => {
  const w = newWorld();
  try {
    const site = siteWith(w.data, `      - name: dump\n        backup_command: cat DATA/db.txt`);
    const db = site.services.find((s) => s.name === "db")!;
    install(w, site, db);
    writeFileSync(join(w.data, "db.txt"), "row\n");
    assert.equal(tool(w, ["-l", "db"]).status, 0);
    const r = tool(w, ["-r", "-l", "db"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /db: dump has no restore_command or restore_file; restore backup-dump-latest\.tar\.gz by hand/);
  } finally {
    rmSync(w.top, { recursive: true, force: true });
  }
  assert.throws(
    () => siteWith("/x", `      - name: "{{ db_password }}"\n        directory: /x`),
    /backup_scripts\[0\]\.name: cannot hold a secret/,
  );
});

test("the backup service runs as the admin user from its home; backups go to ~/backup as with hive-builder", () => {
  const site = siteWith("/x", `      - name: files\n        directory: /x`);
  assert.match(renderBackupService(site), /^User=admin\nGroup=admin\nWorkingDirectory=\/home\/admin$/m);
  assert.equal(
    renderBackupDefaults(site),
    "# Settings of hive-backup.sh, written by hive.\nHIVE_BACKUP_DIR=/home/admin/backup\nHIVE_REGISTRY_KEEP_DAYS=3\nHIVE_ZABBIX_KEEP_DAYS=3",
  );
});

test("no running task of the service: the backup fails and the -latest link stays where it was", () => {
  const w = newWorld();
  try {
    const site = siteWith(w.data, `      - name: files\n        directory: DATA`);
    const db = site.services.find((s) => s.name === "db")!;
    install(w, site, db);
    mkdirSync(w.backups, { recursive: true });
    writeFileSync(join(w.backups, "backup-files-20240101010000.tar.gz"), "x");
    symlinkSync("backup-files-20240101010000.tar.gz", join(w.backups, "backup-files-latest.tar.gz"));
    writeFileSync(join(w.state, "service-ps"), "");
    const b = tool(w, ["-l", "db"]);
    assert.equal(b.status, 1);
    assert.match(b.stderr, /no running task of db\nhive-backup\.sh: backup of files failed/);
    assert.equal(readlinkSync(join(w.backups, "backup-files-latest.tar.gz")), "backup-files-20240101010000.tar.gz");
    assert.deepEqual(readdirSync(w.backups).sort(), ["backup-files-20240101010000.tar.gz", "backup-files-latest.tar.gz"]);
  } finally {
    rmSync(w.top, { recursive: true, force: true });
  }
});

test("backup entry names are checked: distinct, not hive's own, usable in a file name", () => {
  assert.throws(
    () => siteWith("/x", `      - name: a\n        directory: /x\n      - name: a\n        directory: /y`),
    /backup_scripts\[1\]\.name: "a" is already the name of a backup of service db; backup files would mix/,
  );
  assert.throws(() => siteWith("/x", `      - name: hive-zabbix\n        directory: /x`), /"hive-zabbix" is the name of hive's own backup/);
  assert.throws(() => siteWith("/x", `      - name: "a b"\n        directory: /x`), /"a b" must be letters, digits/);
});

test("a backup that comes out empty is a failure: no file is kept and -latest stays on the last good one", () => {
  const w = newWorld();
  try {
    const site = siteWith(w.data, `      - name: db-dump\n        backup_command: cat DATA/db.txt\n        restore_command: cat > DATA/db.txt\n        ext: sql`);
    const db = site.services.find((s) => s.name === "db")!;
    install(w, site, db);
    writeFileSync(join(w.data, "db.txt"), "row 1\n");
    assert.equal(tool(w, ["-l", "db"]).status, 0);
    const good = readlinkSync(join(w.backups, "backup-db-dump-latest.sql"));
    // The command succeeds but writes nothing (a dump of a database that was not there, say).
    writeFileSync(join(w.data, "db.txt"), "");
    spawnSync("sleep", ["1"]);
    const r = tool(w, ["-l", "db"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /backup of db-dump failed/);
    assert.equal(readlinkSync(join(w.backups, "backup-db-dump-latest.sql")), good);
    assert.deepEqual(readdirSync(w.backups).filter((f) => f.endsWith(".part") || f !== good && f.startsWith("backup-db-dump-2")), []);
  } finally {
    rmSync(w.top, { recursive: true, force: true });
  }
});
