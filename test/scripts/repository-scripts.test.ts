import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Machine, proveIdempotent, familyOf, ALL_OS, type OsFamily } from "./harness";
import { threeHivesAndRepoSite } from "../helpers/host-site-fixture";
import { componentPath } from "../../components/host/remote";
import {
  renderBackupDefaults,
  renderBackupService,
  renderBackupTimer,
  renderLogrotate,
  renderRegistryCompose,
  renderRsyslogConf,
  renderZabbixCompose,
  renderZabbixHosts,
} from "../../components/repository/render";
import { readFileSync } from "node:fs";

const site = threeHivesAndRepoSite();
const registryEnv = { HIVE_REGISTRY_COMPOSE: renderRegistryCompose(site), HIVE_REGISTRY_USER: "hive" };

for (const os of ["el9", "ubuntu24"] as const) {
  test(`registry (${os}): compose file, htpasswd from the stdin password, project up`, () => {
    proveIdempotent({
      kind: "registry",
      os,
      env: registryEnv,
      secrets: { HIVE_REGISTRY_PASSWORD: "reg-pass-123" },
      expect: [
        familyOf(os) === "el" ? "dnf install -y httpd-tools" : "apt-get install -y apache2-utils",
        "htpasswd -c -i -B",
        "docker compose -p registry -f",
      ],
      failAt: "docker compose -p registry",
      check: (m) => {
        assert.equal(m.read("var/lib/hive/registry/compose.yml"), `${registryEnv.HIVE_REGISTRY_COMPOSE}\n`);
        assert.ok(!m.read("var/lib/hive/registry/htpasswd").includes("reg-pass-123"));
      },
    });
  });
}

test("registry: a new password rewrites htpasswd and recreates; down stops the project; password never in the command", () => {
  const m = new Machine("el9");
  try {
    assert.equal(m.run("registry", registryEnv, { HIVE_REGISTRY_PASSWORD: "pw-ONE-4d1" }).status, 0);
    const r = m.run("registry", registryEnv, { HIVE_REGISTRY_PASSWORD: "pw-TWO-9f3" });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.mutations[0].startsWith("htpasswd -c -i -B"));
    assert.ok(r.mutations[1].startsWith("docker compose -p registry"));
    assert.ok(!r.command.includes("pw-TWO-9f3"));
    const down = m.run("registry", { ...registryEnv, HIVE_MODE: "down" });
    assert.equal(down.status, 0, down.stderr);
    assert.deepEqual(down.mutations.map((x) => x.replace(m.root, "")), ["docker compose -p registry -f /var/lib/hive/registry/compose.yml down"]);
  } finally {
    m.cleanup();
  }
});

test("registry: the delete of a renamed step leaves the project of its successor running; its own delete stops it", () => {
  const m = new Machine("el9");
  try {
    const old = { ...registryEnv, HIVE_OWNER: "site-repository-registry" };
    const renamed = { ...registryEnv, HIVE_OWNER: "site-repository-registry2" };
    assert.equal(m.run("registry", old, { HIVE_REGISTRY_PASSWORD: "pw" }).status, 0);
    // The engine creates the renamed resource first, then deletes the old one.
    assert.equal(m.run("registry", renamed, { HIVE_REGISTRY_PASSWORD: "pw" }).status, 0);
    const stale = m.run("registry", { ...old, HIVE_MODE: "down" });
    assert.equal(stale.status, 0, stale.stderr);
    assert.deepEqual(stale.mutations, []);
    assert.match(stale.stdout, /compose project registry belongs to site-repository-registry2 now: left running/);
    const own = m.run("registry", { ...renamed, HIVE_MODE: "down" });
    assert.deepEqual(own.mutations.map((x) => x.replace(m.root, "")), ["docker compose -p registry -f /var/lib/hive/registry/compose.yml down"]);
  } finally {
    m.cleanup();
  }
});

test("zabbix: compose file and a 0600 .env with the database password, project up", () => {
  proveIdempotent({
    kind: "zabbix",
    os: "el9",
    env: { HIVE_ZABBIX_COMPOSE: renderZabbixCompose(site) },
    secrets: { HIVE_ZABBIX_DB_PASSWORD: "db-secret" },
    expect: ["docker compose -p zabbix -f"],
    failAt: "docker compose -p zabbix",
    check: (m) => {
      assert.equal(m.read("var/lib/hive/zabbix/.env"), "ZABBIX_DB_PASSWORD=db-secret\n");
      assert.ok(!m.read("var/lib/hive/zabbix/compose.yml").includes("db-secret"));
      for (const svc of ["zabbix-server", "zabbix-web", "zabbix-db"]) assert.ok(existsSync(join(m.state, "docker/compose/zabbix", svc)));
    },
  });
});

test("zabbix: a database volume left by a destroyed site keeps the password it was made with", () => {
  const m = new Machine("debian13");
  try {
    const env = { HIVE_ZABBIX_COMPOSE: renderZabbixCompose(site) };
    assert.equal(m.run("zabbix", env, { HIVE_ZABBIX_DB_PASSWORD: "first-secret" }).status, 0);
    assert.ok(existsSync(join(m.state, "docker/volumes/zabbix_zabbix-db")));
    assert.equal(m.run("zabbix", { ...env, HIVE_MODE: "down" }).status, 0);
    const again = m.run("zabbix", env, { HIVE_ZABBIX_DB_PASSWORD: "second-secret" });
    assert.equal(again.status, 0, again.stderr);
    assert.equal(m.read("var/lib/hive/zabbix/.env"), "ZABBIX_DB_PASSWORD=first-secret\n");
    assert.match(again.stdout, /the database volume zabbix_zabbix-db was made with the password in \/var\/lib\/hive\/zabbix\/.env: that one is kept/);
    assert.ok(!again.stdout.includes("first-secret") && !again.stdout.includes("second-secret"));
  } finally {
    m.cleanup();
  }
});

const zabbixHostsEnv = { HIVE_ZABBIX_URL: "http://127.0.0.1:10052/api_jsonrpc.php", HIVE_ZABBIX_HOSTS: renderZabbixHosts(site), HIVE_ZABBIX_TRIES: "2" };

test("zabbix-hosts: groups and every server registered through the API", () => {
  proveIdempotent({
    kind: "zabbix-hosts",
    os: "el9",
    env: zabbixHostsEnv,
    secrets: { HIVE_ZABBIX_ADMIN_PASSWORD: "zabbix" },
    expect: ["zabbix-api hostgroup.create", "zabbix-api host.delete", "zabbix-api host.create"],
    failAt: "zabbix-api host.create",
    check: (m) => {
      // Zabbix's default host is gone; the site's servers are there.
      assert.deepEqual(readdirSync(join(m.state, "zabbix/hosts")).sort(), ["s-hive0.pdns", "s-hive1.pdns", "s-hive2.pdns", "s-hive3.pdns"]);
      assert.deepEqual(JSON.parse(m.readState("zabbix/hosts/s-hive3.pdns")), {
        host: "s-hive3.pdns",
        interfaces: [{ type: 1, main: 1, useip: 1, ip: "192.168.0.7", dns: "", port: "10050" }],
        groups: [{ groupid: m.readState("zabbix/groups/Repository server").trim() }],
        templates: [{ templateid: "10001" }],
      });
    },
  });
});

test("zabbix-hosts: a wrong password and an API that never answers are clear errors", () => {
  const m = new Machine("el9");
  try {
    const r = m.run("zabbix-hosts", zabbixHostsEnv, { HIVE_ZABBIX_ADMIN_PASSWORD: "wrong" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /zabbix-hosts: error: Zabbix API user.login: Incorrect user name or password./);
    assert.ok(!r.command.includes("wrong"));
    m.stateFile("zabbix/down", "");
    const r2 = m.run("zabbix-hosts", zabbixHostsEnv, { HIVE_ZABBIX_ADMIN_PASSWORD: "zabbix" });
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /the Zabbix API at http:\/\/127.0.0.1:10052\/api_jsonrpc.php does not answer/);
  } finally {
    m.cleanup();
  }
});

test("rsyslog: rules and logrotate installed, configuration checked, service enabled", () => {
  proveIdempotent({
    kind: "rsyslog",
    os: "ubuntu24",
    env: { HIVE_RSYSLOG_CONF: renderRsyslogConf(site), HIVE_LOGROTATE_CONF: renderLogrotate() },
    expect: ["apt-get install -y rsyslog logrotate", "systemctl enable rsyslog", "systemctl start rsyslog"],
    failAt: "systemctl enable rsyslog",
    check: (m) => {
      assert.equal(m.read("etc/rsyslog.d/hive-services.conf"), `${renderRsyslogConf(site)}\n`);
      assert.ok(existsSync(join(m.root, "var/log/services")));
    },
  });
});

test("backup-tools: tool, service and timer installed, timer enabled", () => {
  const tool = readFileSync(componentPath("repository/scripts/hive-backup.sh"), "utf8");
  proveIdempotent({
    kind: "backup-tools",
    os: "el9",
    env: {
      HIVE_BACKUP_TOOL: tool,
      HIVE_BACKUP_DEFAULTS: renderBackupDefaults(site),
      HIVE_BACKUP_SERVICE: renderBackupService(site),
      HIVE_BACKUP_TIMER: renderBackupTimer(),
    },
    expect: ["systemctl daemon-reload", "systemctl enable hive-backup.timer", "systemctl start hive-backup.timer"],
    failAt: "systemctl daemon-reload",
    check: (m) => {
      assert.equal(m.read("usr/local/bin/hive-backup.sh"), tool);
      assert.equal(m.read("etc/default/hive-backup"), `${renderBackupDefaults(site)}\n`);
    },
  });
});

function backupTool(m: Machine, args: string[]) {
  return spawnSync("bash", [componentPath("repository/scripts/hive-backup.sh"), ...args], {
    encoding: "utf8",
    env: { PATH: m.path, ROOT: m.root, STUB_STATE: m.state, HOME: m.dir },
  });
}

test("hive-backup.sh: backs up registry, Zabbix and hook targets with -latest links; -l limits; -r restores", () => {
  const m = new Machine("el9");
  try {
    m.stateFile("docker/compose/registry/registry_server", "");
    m.stateFile("docker/compose/zabbix/zabbix-db", "");
    m.file(
      "var/lib/hive-backup.d/pdnsdb",
      'backup_pdnsdb() { hive_backup_entry pdnsdb dump "" echo "pdns dump"; }\nrestore_pdnsdb() { hive_restore_entry pdnsdb dump bash -c \'cat > "$ROOT/restored-pdnsdb"\'; }\n',
    );
    const r = backupTool(m, []);
    assert.equal(r.status, 0, r.stderr);
    const dir = join(m.root, "var/lib/hive/backup");
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 6, files.join(" "));
    assert.deepEqual(files.filter((f) => f.includes("latest")), [
      "backup-hive-registry-latest.tar.gz",
      "backup-hive-zabbix-latest.sql.gz",
      "backup-pdnsdb-latest.dump",
    ]);
    assert.match(readlinkSync(join(dir, "backup-pdnsdb-latest.dump")), /^backup-pdnsdb-\d{14}\.dump$/);
    assert.equal(readFileSync(join(dir, "backup-pdnsdb-latest.dump"), "utf8"), "pdns dump\n");
    assert.equal(spawnSync("gunzip", ["-c", join(dir, "backup-hive-zabbix-latest.sql.gz")], { encoding: "utf8" }).stdout, "dump of zabbix/zabbix-db\n");

    const restore = backupTool(m, ["-r", "-l", "pdnsdb,hive-zabbix"]);
    assert.equal(restore.status, 0, restore.stderr);
    assert.equal(readFileSync(join(m.root, "restored-pdnsdb"), "utf8"), "pdns dump\n");
    assert.match(m.readState("exec.log"), /exec zabbix\/zabbix-db: sh -c mysql -u zabbix/);
    assert.equal(m.readState("exec-stdin.log"), "dump of zabbix/zabbix-db\n");

    const unknown = backupTool(m, ["-l", "nope"]);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown target nope \(known: hive-registry hive-zabbix pdnsdb\)/);

    m.stateFile("docker/compose/registry/registry_server", "");
    const gone = new Machine("el9");
    try {
      const failed = backupTool(gone, ["-l", "hive-registry"]);
      assert.equal(failed.status, 1);
      assert.match(failed.stderr, /backup of hive-registry failed/);
      assert.deepEqual(readdirSync(join(gone.root, "var/lib/hive/backup")), []);
    } finally {
      gone.cleanup();
    }
  } finally {
    m.cleanup();
  }
});

const venvEnv = { HIVE_ANSIBLE_VENV: "/opt/hive/ansible", HIVE_ANSIBLE_VERSION: "11.13.0", HIVE_DOCKER_PY_VERSION: "7.1.0" };
const VENV_PYTHON: Record<OsFamily, [string, string]> = {
  el8: ["dnf install -y python3.12 python3.12-pip jq", "python3.12"],
  el9: ["dnf install -y python3.12 python3.12-pip jq", "python3.12"],
  el10: ["dnf install -y python3 python3-pip jq", "python3"],
  ubuntu24: ["apt-get install -y python3-venv python3-pip jq", "python3"],
  debian13: ["apt-get install -y python3-venv python3-pip jq", "python3"],
};

for (const os of ALL_OS) {
  test(`ansible-venv (${os}): python, venv, the pinned ansible package (collections bundled) and docker; nothing from Galaxy`, () => {
    const [install, python] = VENV_PYTHON[os];
    proveIdempotent({
      kind: "ansible-venv",
      os,
      env: venvEnv,
      expect: [install, `${python} -m venv --clear`, "/opt/hive/ansible/bin/python -m pip install --disable-pip-version-check ansible==11.13.0 docker==7.1.0"],
      failAt: "/opt/hive/ansible/bin/python -m pip install",
      check: (m, first) => {
        assert.equal(m.read("opt/hive/ansible/stub-freeze"), "ansible==11.13.0\ndocker==7.1.0\n");
        assert.ok(existsSync(join(m.root, "opt/hive/ansible/bin/ansible-playbook")));
        assert.ok(!first.calls.some((c) => c.line.includes("ansible-galaxy")), "nothing may come from Galaxy");
      },
    });
  });
}

test("ansible-venv: the site's proxy and pip index (base's /etc/environment block) reach pip; a new pin reinstalls only what changed; a broken venv is made anew", () => {
  const m = new Machine("debian13");
  try {
    m.file("etc/environment", "# BEGIN hive environment\nhttps_proxy=http://proxy.example:3128\nPIP_INDEX_URL=https://pypi.example/simple\n# END hive environment\n");
    const first = m.run("ansible-venv", venvEnv);
    assert.equal(first.status, 0, first.stderr);
    assert.ok(first.mutations.some((x) => x.endsWith("ansible==11.13.0 docker==7.1.0 [proxy http://proxy.example:3128]")), first.mutations.join("\n"));
    assert.ok(first.mutations.some((x) => x.startsWith("apt-get install -y python3-venv") && x.endsWith("[proxy http://proxy.example:3128]")));
    assert.equal(m.readState("pip-env"), "https_proxy=http://proxy.example:3128 PIP_INDEX_URL=https://pypi.example/simple\n");
    const bumped = m.run("ansible-venv", { ...venvEnv, HIVE_ANSIBLE_VERSION: "11.12.0" });
    assert.equal(bumped.status, 0, bumped.stderr);
    assert.deepEqual(bumped.mutations.map((x) => x.replace(m.root, "")), [
      "/opt/hive/ansible/bin/python -m pip install --disable-pip-version-check ansible==11.12.0 [proxy http://proxy.example:3128]",
    ]);
    assert.equal(m.read("opt/hive/ansible/stub-freeze"), "ansible==11.12.0\ndocker==7.1.0\n");

    rmSync(join(m.root, "opt/hive/ansible/pyvenv.cfg"));
    const rebuilt = m.run("ansible-venv", venvEnv);
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    assert.deepEqual(rebuilt.mutations.map((x) => x.replace(m.root, "")), [
      "python3 -m venv --clear /opt/hive/ansible [proxy http://proxy.example:3128]",
      "/opt/hive/ansible/bin/python -m pip install --disable-pip-version-check ansible==11.13.0 docker==7.1.0 [proxy http://proxy.example:3128]",
    ]);
    assert.match(rebuilt.stdout, /changed: created the virtualenv \/opt\/hive\/ansible/);

    const missing = m.run("ansible-venv", { ...venvEnv, HIVE_ANSIBLE_VERSION: "" });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /ansible-venv: error: parameter HIVE_ANSIBLE_VERSION is required/);
  } finally {
    m.cleanup();
  }
});
