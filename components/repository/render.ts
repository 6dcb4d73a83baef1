// Rendered files of the repository server: pure functions from the site model to text.
import type { Site } from "../../src/inventory/model";
import { DEFAULT_ZABBIX_SUBNET, certPath, keyPath, repositoryHost, stringVar, syslogPort } from "../host/render";

export const ZABBIX_SERVER_IMAGE = "zabbix/zabbix-server-mysql:alpine-7.0-latest";
export const ZABBIX_WEB_IMAGE = "zabbix/zabbix-web-nginx-mysql:alpine-7.0-latest";
export const ZABBIX_DB_IMAGE = "mariadb:10.11";
export const REGISTRY_IMAGE = "registry:2";

/**
 * The images of the repository server's parts, each set by a variable of the repository server
 * (hive-builder's `hive_zabbix_server_tag` and `hive_zabbix_web_tag`, and `hive_zabbix_db_tag`,
 * `hive_registry_tag` for the other two), e.g. to take them from a mirror; the defaults otherwise.
 */
export function repositoryImages(site: Site): { registry: string; zabbixServer: string; zabbixWeb: string; zabbixDb: string } {
  const vars = repositoryHost(site).vars;
  // hive-builder's own default for the web image ended in a space: a tag is taken trimmed.
  const pick = (name: string, fallback: string) => stringVar(vars, name)?.trim() || fallback;
  return {
    registry: pick("hive_registry_tag", REGISTRY_IMAGE),
    zabbixServer: pick("hive_zabbix_server_tag", ZABBIX_SERVER_IMAGE),
    zabbixWeb: pick("hive_zabbix_web_tag", ZABBIX_WEB_IMAGE),
    zabbixDb: pick("hive_zabbix_db_tag", ZABBIX_DB_IMAGE),
  };
}
export const ZABBIX_WEB_PORT = 10052;

/** The registry's port, from `site.registry` (`<fqdn>:<port>`). */
export function registryPort(site: Site): number {
  const m = /:(\d+)$/.exec(site.registry);
  return m === null ? 5000 : Number(m[1]);
}

function hostAddress(subnet: string, offset: number): string {
  const [base] = subnet.split("/");
  const o = base.split(".").map(Number);
  return [o[0], o[1], o[2], o[3] + offset].join(".");
}

/** `/var/lib/hive/registry/compose.yml`. */
export function renderRegistryCompose(site: Site): string {
  const repo = repositoryHost(site);
  const lines = [
    "services:",
    "  registry_server:",
    `    image: ${repositoryImages(site).registry}`,
    "    container_name: registry",
    "    restart: always",
    "    ports:",
    `      - "${registryPort(site)}:5000"`,
    "    environment:",
    '      REGISTRY_STORAGE_DELETE_ENABLED: "true"',
    "      REGISTRY_AUTH: htpasswd",
    "      REGISTRY_AUTH_HTPASSWD_REALM: Registry Realm",
    "      REGISTRY_AUTH_HTPASSWD_PATH: /auth/htpasswd",
    `      REGISTRY_HTTP_TLS_CERTIFICATE: /certs${certPath(repo).slice("/etc/pki/tls".length)}`,
    `      REGISTRY_HTTP_TLS_KEY: /certs${keyPath(repo).slice("/etc/pki/tls".length)}`,
    "    volumes:",
    "      - regdata:/var/lib/registry",
    "      - /var/lib/hive/registry/htpasswd:/auth/htpasswd:ro",
    "      - /etc/pki/tls:/certs:ro",
    "volumes:",
    "  regdata: {}",
  ];
  if (site.internalNetworks.registry !== null) {
    lines.push("networks:", "  default:", "    ipam:", "      config:", `        - subnet: ${site.internalNetworks.registry}`);
  }
  return lines.join("\n");
}

/** `/var/lib/hive/zabbix/compose.yml`; the database password comes from the project's `.env`. */
export function renderZabbixCompose(site: Site): string {
  const subnet = site.internalNetworks.zabbix ?? DEFAULT_ZABBIX_SUBNET;
  const tz = stringVar(site.vars, "hive_timezone") ?? "Etc/UTC";
  const images = repositoryImages(site);
  const db = [
    "      DB_SERVER_HOST: zabbix-db",
    "      MYSQL_DATABASE: zabbix",
    "      MYSQL_USER: zabbix",
    "      MYSQL_PASSWORD: ${ZABBIX_DB_PASSWORD}",
  ];
  return [
    "services:",
    "  zabbix-server:",
    `    image: ${images.zabbixServer}`,
    "    restart: always",
    "    environment:",
    ...db,
    `      TZ: ${tz}`,
    "      ZBX_VALUECACHESIZE: 64M",
    "    ports:",
    '      - "10051:10051"',
    "    depends_on: [zabbix-db]",
    "    networks:",
    "      default:",
    `        ipv4_address: ${hostAddress(subnet, 2)}`,
    "  zabbix-web:",
    `    image: ${images.zabbixWeb}`,
    "    restart: always",
    "    environment:",
    ...db,
    "      ZBX_SERVER_HOST: zabbix-server",
    `      PHP_TZ: ${tz}`,
    "    ports:",
    `      - "${ZABBIX_WEB_PORT}:8080"`,
    "    depends_on: [zabbix-server]",
    "    networks:",
    "      default:",
    `        ipv4_address: ${hostAddress(subnet, 3)}`,
    "  zabbix-db:",
    `    image: ${images.zabbixDb}`,
    "    restart: always",
    "    command: [--character-set-server=utf8mb4, --collation-server=utf8mb4_bin]",
    "    environment:",
    "      MARIADB_DATABASE: zabbix",
    "      MARIADB_USER: zabbix",
    "      MARIADB_PASSWORD: ${ZABBIX_DB_PASSWORD}",
    "      MARIADB_ROOT_PASSWORD: ${ZABBIX_DB_PASSWORD}",
    "      MYSQL_PASSWORD: ${ZABBIX_DB_PASSWORD}",
    "    volumes:",
    "      - zabbix-db:/var/lib/mysql",
    "    networks:",
    "      default:",
    `        ipv4_address: ${hostAddress(subnet, 4)}`,
    "volumes:",
    "  zabbix-db: {}",
    "networks:",
    "  default:",
    "    ipam:",
    "      config:",
    `        - subnet: ${subnet}`,
  ].join("\n");
}

/**
 * `/etc/rsyslog.d/hive-services.conf`: syslog from the services on the syslog port (UDP and TCP) into
 * `/var/log/services/<tag>.log` (facility local0), `<host>.<tag>.log` (local1), `<host>.log` for messages
 * that name their own host (standalone containers forwarding their syslog), then the per-service rules.
 *
 * Docker's syslog driver writes no host name into a message, so rsyslog fills `$hostname` with the
 * sender's resolved name, the same value as `$fromhost`. hive-builder instead matched that name against the
 * servers' FQDNs, which files the repository server's own services under another name whenever its
 * /etc/hosts lists its address first under a name of its own (as cloud images and container hosts do).
 * Which senders may reach the port at all is the firewall's business (servers and the gwbridge slice).
 */
export function renderRsyslogConf(site: Site): string {
  const port = syslogPort(site);
  return [
    'module(load="imudp")',
    'module(load="imtcp")',
    `input(type="imudp" port="${port}" ruleset="hive-services")`,
    `input(type="imtcp" port="${port}" ruleset="hive-services")`,
    'template(name="hive-service-file" type="string" string="/var/log/services/%APP-NAME%.log")',
    'template(name="hive-inner-file" type="string" string="/var/log/services/%HOSTNAME%.%APP-NAME%.log")',
    'template(name="hive-host-file" type="string" string="/var/log/services/%HOSTNAME%.log")',
    'ruleset(name="hive-services") {',
    "  if $hostname != $fromhost then {",
    '    action(type="omfile" dynaFile="hive-host-file" fileCreateMode="0640")',
    '  } else if $syslogfacility-text == "local0" then {',
    '    action(type="omfile" dynaFile="hive-service-file" fileCreateMode="0640")',
    '  } else if $syslogfacility-text == "local1" then {',
    '    action(type="omfile" dynaFile="hive-inner-file" fileCreateMode="0640")',
    "  } else {",
    '    action(type="omfile" file="/var/log/service-other-facility.log" fileCreateMode="0640")',
    "  }",
    '  include(file="/etc/rsyslog-services.d/*.conf" mode="optional")',
    "}",
  ].join("\n");
}

/** `/etc/logrotate.d/hive-services`. */
export function renderLogrotate(): string {
  return [
    "/var/log/services/*.log /var/log/service-other-facility.log /var/log/service-error.log {",
    "    daily",
    "    rotate 14",
    "    missingok",
    "    notifempty",
    "    compress",
    "    delaycompress",
    "    sharedscripts",
    "    postrotate",
    "        /usr/bin/systemctl kill -s HUP rsyslog.service >/dev/null 2>&1 || true",
    "    endscript",
    "}",
  ].join("\n");
}

/**
 * `hive-backup.service`: one run of the backup tool (its settings are in /etc/default/hive-backup), as the
 * admin user from its home, as hive-builder ran it: the services' backups reach the hives' docker APIs with
 * the admin user's client certificates (~/.docker), which root does not have.
 */
export function renderBackupService(site: Site): string {
  return [
    "[Unit]",
    "Description=hive nightly backup (registry, Zabbix database, services)",
    "After=docker.service",
    "",
    "[Service]",
    "Type=oneshot",
    `User=${site.adminUser}`,
    `Group=${site.adminUser}`,
    `WorkingDirectory=/home/${site.adminUser}`,
    "ExecStart=/usr/local/bin/hive-backup.sh",
  ].join("\n");
}

function keepDays(site: Site, name: string): string {
  const v = stringVar(site.vars, `hive_${name}`) ?? stringVar(site.vars, name) ?? "3";
  if (!/^\d+$/.test(v.trim())) throw new Error(`${name}: must be a number of days, but is ${JSON.stringify(v)}`);
  return v.trim();
}

/**
 * `/etc/default/hive-backup`, read by hive-backup.sh: backups go to the admin user's `~/backup` as with
 * hive-builder (so a site it built keeps its backups and `-r` finds them), and the built-in backups expire
 * after hive-builder's `hive_registry_backup_cleanup_days_before` / `hive_zabbix_backup_cleanup_days_before`
 * (`hive set registry_backup_cleanup_days_before 7`; default 3).
 */
export function renderBackupDefaults(site: Site): string {
  return [
    "# Settings of hive-backup.sh, written by hive.",
    `HIVE_BACKUP_DIR=/home/${site.adminUser}/backup`,
    `HIVE_REGISTRY_KEEP_DAYS=${keepDays(site, "registry_backup_cleanup_days_before")}`,
    `HIVE_ZABBIX_KEEP_DAYS=${keepDays(site, "zabbix_backup_cleanup_days_before")}`,
  ].join("\n");
}

/** `hive-backup.timer`: every night at 01:00, caught up after downtime. */
export function renderBackupTimer(): string {
  return ["[Unit]", "Description=hive nightly backup", "", "[Timer]", "OnCalendar=*-*-* 01:00:00", "Persistent=true", "", "[Install]", "WantedBy=timers.target"].join(
    "\n",
  );
}

/** Lines `<name> <private ip> <roles>` (comma-separated `hives`, `repository`) of the servers registered in Zabbix. */
export function renderZabbixHosts(site: Site): string {
  return site.hosts
    .map((h) => `${h.name} ${h.privateIp} ${[...(h.isHive ? ["hives"] : []), ...(h.isRepository ? ["repository"] : [])].join(",")}`)
    .join("\n");
}
