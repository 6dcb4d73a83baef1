// Rendered configuration files of the servers: pure functions from the site model to text.
import type { Host, Site, Value } from "../../src/inventory/model";

/** Default docker0 address when the site has no internal_cidr (hive-builder always passed one). */
export const DEFAULT_DOCKER0_BIP = "172.17.128.1/16";
/** Default subnet of the Zabbix compose network when the site has no internal_cidr. */
export const DEFAULT_ZABBIX_SUBNET = "172.21.0.0/16";
export const DOCKER_TLS_PORT = 2376;
export const CA_CERT_PATH = "/etc/pki/tls/certs/hive-ca.pem";

export function certPath(host: Host): string {
  return `/etc/pki/tls/certs/${host.name}_cert.pem`;
}
export function keyPath(host: Host): string {
  return `/etc/pki/tls/private/${host.name}_key.pem`;
}

/** A variable as a plain string (numbers too); null when unset, omitted, a secret or a structure. */
export function stringVar(vars: { readonly [key: string]: Value }, name: string): string | null {
  const v = vars[name];
  if (typeof v === "string") return v === "" ? null : v;
  if (typeof v === "number") return String(v);
  return null;
}

/** A variable that may be one string or a list of strings. */
export function listVar(vars: { readonly [key: string]: Value }, name: string): string[] {
  const v = vars[name];
  if (typeof v === "string") return v.split(/[\s,]+/).filter((s) => s !== "");
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string" && x !== "");
  return [];
}

export function syslogPort(site: Site): number {
  return Number(stringVar(site.vars, "hive_syslog_port") ?? "10514");
}

/** The `/etc/hosts` block: every server of the stage. */
export function renderHostsBlock(site: Site): string {
  return site.hosts.map((h) => `${h.privateIp} ${h.name} ${h.shortName}`).join("\n");
}

/** sshd drop-in read before the distribution's settings (first value wins). */
export function renderSshdConf(): string {
  return [
    "# hive: key login only, no reverse DNS",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UseDNS no",
    // An update opens many sessions at once (the docker provider one per request, a step one per command);
    // sshd's default (10 unauthenticated, then refusals) reset them.
    "MaxStartups 100:30:200",
  ].join("\n");
}

/** Docker's daemon.json: unix socket and TLS on 2376 with the host's certificate from the site CA. */
export function renderDaemonJson(host: Host, registryMirror: string | null): string {
  const config: Record<string, unknown> = {
    hosts: ["unix:///var/run/docker.sock", `tcp://0.0.0.0:${DOCKER_TLS_PORT}`],
    tls: true,
    tlsverify: true,
    tlscacert: CA_CERT_PATH,
    tlscert: certPath(host),
    tlskey: keyPath(host),
    iptables: true,
  };
  if (registryMirror !== null) config["registry-mirrors"] = [registryMirror];
  return JSON.stringify(config, null, 2);
}

/**
 * systemd drop-in: dockerd without `-H fd://` (daemon.json has `hosts`) and docker0 from internal_cidr.
 * `dockerd` without a path: systemd (239 and later, i.e. every supported OS) finds it in /usr/bin (Docker
 * CE, Ubuntu) or /usr/sbin (Debian's docker.io).
 */
export function renderDockerDropIn(site: Site): string {
  const bip = site.internalNetworks.docker0Bip ?? DEFAULT_DOCKER0_BIP;
  return ["[Service]", "RestartSec=15s", "EnvironmentFile=-/etc/environment", "ExecStart=", `ExecStart=dockerd --bip=${bip}`].join("\n");
}

export interface FirewallRule {
  readonly name: string;
  readonly protocol: "tcp" | "udp";
  readonly ports: string;
}

/** The intra-site ports a server opens to the stage's servers. */
export function firewallRules(site: Site, host: Host): FirewallRule[] {
  const rules: FirewallRule[] = [
    { name: "docker_api_swarm", protocol: "tcp", ports: "2376,2377,7946" },
    { name: "docker_swarm_udp", protocol: "udp", ports: "7946,4789" },
    { name: "drbd", protocol: "tcp", ports: "7000:7999" },
    { name: "zabbix_agent", protocol: "tcp", ports: "10050" },
  ];
  if (host.isRepository) {
    const port = String(syslogPort(site));
    rules.push({ name: "syslog", protocol: "udp", ports: port }, { name: "syslog_tcp", protocol: "tcp", ports: port });
  }
  return rules;
}

function withPrefix(source: string): string {
  return source.includes("/") ? source : `${source}/32`;
}

/**
 * `/etc/hive/firewall.rules` for `iptables-restore --noflush`: the HIVE-SERVICE chain. With
 * `hive_ssh_source_ips`, new SSH connections are accepted only from those sources (the machine running
 * the program must be one of them).
 */
export function renderFirewallRules(site: Site, host: Host): string {
  const lines = ["*filter", ":HIVE-SERVICE - [0:0]"];
  for (const rule of firewallRules(site, host)) {
    for (const source of site.hosts.map((h) => h.privateIp)) {
      lines.push(
        `-A HIVE-SERVICE -s ${source}/32 -p ${rule.protocol} -m multiport --dports ${rule.ports} -m conntrack --ctstate NEW -m comment --comment hive-${rule.name} -j ACCEPT`,
      );
    }
  }
  const sshSources = listVar(host.vars, "hive_ssh_source_ips");
  if (sshSources.length > 0) {
    const port = stringVar(host.vars, "hive_sshd_port") ?? "22";
    for (const source of sshSources) {
      lines.push(`-A HIVE-SERVICE -s ${withPrefix(source)} -p tcp -m tcp --dport ${port} -m conntrack --ctstate NEW -m comment --comment hive-ssh -j ACCEPT`);
    }
    lines.push(`-A HIVE-SERVICE -p tcp -m tcp --dport ${port} -m conntrack --ctstate NEW -m comment --comment hive-ssh-others -j DROP`);
  }
  lines.push("COMMIT");
  return lines.join("\n");
}

/** The unit that restores the HIVE-SERVICE chain at boot, before docker adds its own rules. */
export function renderFirewallUnit(): string {
  const gw = "-i docker_gwbridge -m conntrack --ctstate NEW -j ACCEPT";
  return [
    "[Unit]",
    "Description=hive firewall (HIVE-SERVICE chain)",
    "Wants=network-pre.target",
    "Before=network-pre.target docker.service",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    "ExecStart=/usr/sbin/iptables-restore --noflush /etc/hive/firewall.rules",
    `ExecStart=/bin/sh -c 'iptables -C INPUT ${gw} 2>/dev/null || iptables -I INPUT 1 ${gw}'`,
    "ExecStart=/bin/sh -c 'iptables -C INPUT -j HIVE-SERVICE 2>/dev/null || iptables -I INPUT 1 -j HIVE-SERVICE'",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n");
}

/** The proxy the servers reach (`hive_http_proxy`, `host:port` or a URL) as a URL; null when unset. */
export function proxyUrl(host: Host): string | null {
  const proxy = stringVar(host.vars, "hive_http_proxy") ?? stringVar(host.vars, "http_proxy");
  if (proxy === null) return null;
  return /^[a-z]+:\/\//.test(proxy) ? proxy : `http://${proxy}`;
}

/**
 * The hive block of `/etc/environment`: proxy (`hive_http_proxy`, a proxy the servers reach, as
 * `host:port` or URL) with no_proxy for every server, and `hive_pip_index_url`/`hive_pip_trusted_host`.
 * Empty when none is set.
 */
export function renderEnvironment(site: Site, host: Host): string {
  const v = host.vars;
  const lines: string[] = [];
  const url = proxyUrl(host);
  if (url !== null) {
    const noProxy = ["localhost", "127.0.0.1", ...site.hosts.flatMap((h) => [h.name, h.shortName, h.privateIp])].join(",");
    for (const name of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) lines.push(`${name}=${url}`);
    lines.push(`no_proxy=${noProxy}`, `NO_PROXY=${noProxy}`);
  }
  const pipIndex = stringVar(v, "hive_pip_index_url") ?? stringVar(v, "pip_index_url");
  if (pipIndex !== null) lines.push(`PIP_INDEX_URL=${pipIndex}`);
  const pipHost = stringVar(v, "hive_pip_trusted_host") ?? stringVar(v, "pip_trusted_host");
  if (pipHost !== null) lines.push(`PIP_TRUSTED_HOST=${pipHost}`);
  // A proxy that inspects TLS re-signs with its own CA: pip (whose venv brings its own CA bundle) is
  // pointed at a bundle on the server that holds it, e.g. the system's /etc/ssl/certs/ca-certificates.crt.
  const pipCert = stringVar(v, "hive_pip_cert");
  if (pipCert !== null) lines.push(`PIP_CERT=${pipCert}`);
  return lines.join("\n");
}

/** A mapping variable (e.g. `hive_users`) as plain objects; null when unset or not a mapping. */
function mappingVar(vars: { readonly [key: string]: Value }, name: string): { readonly [key: string]: Value } | null {
  const v = vars[name];
  if (v === null || v === undefined || typeof v !== "object" || Array.isArray(v) || ("kind" in v && v.kind === "secret")) return null;
  return v as { readonly [key: string]: Value };
}

/**
 * Lines `<user> <uid|-> <group> <gid|-> <public key>` from `hive_users` ({user: {uid, group,
 * id_rsa_pub}}) and `hive_user_groups` ({group: {gid}}); a user without group gets a group named
 * after it.
 */
export function renderUsers(host: Host): string {
  const users = mappingVar(host.vars, "hive_users");
  if (users === null) return "";
  const groups = mappingVar(host.vars, "hive_user_groups") ?? {};
  return Object.keys(users)
    .sort()
    .map((user) => {
      const u = (mappingVar(users, user) ?? {}) as { readonly [key: string]: Value };
      const group = typeof u.group === "string" ? u.group : user;
      const g = mappingVar(groups, group) ?? {};
      const uid = typeof u.uid === "number" || typeof u.uid === "string" ? String(u.uid) : "-";
      const gid = typeof g.gid === "number" || typeof g.gid === "string" ? String(g.gid) : "-";
      const key = typeof u.id_rsa_pub === "string" ? u.id_rsa_pub.trim() : "";
      return `${user} ${uid} ${group} ${gid} ${key}`.trimEnd();
    })
    .join("\n");
}

/** Global DRBD settings (`/etc/drbd.d/global_common.conf`). */
export function renderDrbdGlobal(): string {
  return ["global {", "\tusage-count no;", "\tudev-always-use-vnr;", "}", "common {", "\tnet {", "\t\tprotocol C;", "\t}", "}"].join("\n");
}

/** Default DRBD disk search order (hive-builder's, notes §3.9). */
export const DRBD_DEVICE_ORDER = ["/dev/disk/azure/scsi1/lun0", "/dev/sdc", "/dev/sdb", "/dev/vdc", "/dev/vdb", "/dev/xvdb", "/dev/nvme1n1", "/dev/sda"];

/** The address of the Zabbix server container on the repository's compose network (.2). */
export function zabbixServerIp(site: Site): string {
  const subnet = site.internalNetworks.zabbix ?? DEFAULT_ZABBIX_SUBNET;
  const [base] = subnet.split("/");
  const octets = base.split(".").map(Number);
  return [octets[0], octets[1], octets[2], octets[3] + 2].join(".");
}

export function repositoryHost(site: Site): Host {
  const repo = site.hosts.find((h) => h.isRepository);
  if (repo === undefined) throw new Error(`site ${site.name} (${site.stage}) has no repository server`);
  return repo;
}

/** Where the Zabbix agent comes from (`hive_zabbix_agent_source`): Zabbix's repository or the distribution. */
export function zabbixAgentSource(host: Host): "zabbix" | "distribution" {
  return stringVar(host.vars, "hive_zabbix_agent_source") === "distribution" ? "distribution" : "zabbix";
}

/** Where Docker comes from (`hive_docker_source`): Docker CE or the distribution's docker.io. */
export function dockerSource(host: Host): "docker-ce" | "distribution" {
  return stringVar(host.vars, "hive_docker_source") === "distribution" ? "distribution" : "docker-ce";
}

/**
 * `/etc/zabbix/zabbix_agentd.conf`. The log and drop-in folders are the package's own: Zabbix's
 * packages use /var/log/zabbix and zabbix_agentd.d, Debian's (also Ubuntu's) /var/log/zabbix-agent and
 * zabbix_agentd.conf.d.
 */
export function renderZabbixAgentConf(site: Site, host: Host): string {
  const repo = repositoryHost(site);
  const servers = ["127.0.0.1", repo.privateIp];
  if (host.isRepository) servers.push(zabbixServerIp(site));
  const debian = zabbixAgentSource(host) === "distribution";
  return [
    "PidFile=/run/zabbix/zabbix_agentd.pid",
    debian ? "LogFile=/var/log/zabbix-agent/zabbix_agentd.log" : "LogFile=/var/log/zabbix/zabbix_agentd.log",
    "LogFileSize=10",
    `Server=${servers.join(",")}`,
    `ServerActive=${repo.name}:10051`,
    `Hostname=${host.name}`,
    debian ? "Include=/etc/zabbix/zabbix_agentd.conf.d/*.conf" : "Include=/etc/zabbix/zabbix_agentd.d/*.conf",
  ].join("\n");
}
