// Every rendered file of the host setup for the fixture sites; render.test.ts compares each with its
// snapshot under __snapshots__ exactly.
import { colocatedRepoSite, makeSite, oneHostSite, threeHivesAndRepoSite } from "../helpers/host-site-fixture";
import {
  renderDaemonJson,
  renderDockerDropIn,
  renderDrbdGlobal,
  renderEnvironment,
  renderUsers,
  renderFirewallRules,
  renderFirewallUnit,
  renderHostsBlock,
  renderSshdConf,
  renderZabbixAgentConf,
} from "../../components/host/render";
import {
  renderBackupService,
  renderBackupTimer,
  renderLogrotate,
  renderRegistryCompose,
  renderRsyslogConf,
  renderZabbixCompose,
  renderZabbixHosts,
} from "../../components/repository/render";

const one = oneHostSite();
const three = threeHivesAndRepoSite();
const colo = colocatedRepoSite();
/** Two servers with users, SSH source restriction and a proxy. */
const access = makeSite({
  stage: "staging",
  hosts: 2,
  separateRepository: true,
  vars: {
    hive_users: { alice: { uid: 2001, group: "ops", id_rsa_pub: "ssh-ed25519 AAAAalice alice@example" }, bob: { id_rsa_pub: "ssh-rsa AAAAbob" } },
    hive_user_groups: { ops: { gid: 3000 } },
    hive_ssh_source_ips: ["198.51.100.7", "203.0.113.0/24"],
    hive_http_proxy: "proxy.example.org:3128",
    hive_pip_index_url: "https://pypi.example.org/simple",
  },
});

export const RENDER_CASES: Record<string, () => string> = {
  "daemon.json": () => renderDaemonJson(three.hosts[0], null),
  "daemon-mirror.json": () => renderDaemonJson(one.hosts[0], "https://mirror.example.org"),
  "docker-dropin-internal.conf": () => renderDockerDropIn(three),
  "docker-dropin-default.conf": () => renderDockerDropIn(one),
  "hosts-block-three.txt": () => renderHostsBlock(three),
  "sshd.conf": () => renderSshdConf(),
  "firewall-one.rules": () => renderFirewallRules(one, one.hosts[0]),
  "firewall-colocated-hive.rules": () => renderFirewallRules(colo, colo.hosts[0]),
  "hive-firewall.service": () => renderFirewallUnit(),
  "drbd-global_common.conf": () => renderDrbdGlobal(),
  "zabbix_agentd-hive.conf": () => renderZabbixAgentConf(three, three.hosts[0]),
  "zabbix_agentd-repository.conf": () => renderZabbixAgentConf(three, three.hosts[3]),
  "zabbix_agentd-one.conf": () => renderZabbixAgentConf(one, one.hosts[0]),
  "registry-compose-internal.yml": () => renderRegistryCompose(three),
  "registry-compose-default.yml": () => renderRegistryCompose(one),
  "zabbix-compose-internal.yml": () => renderZabbixCompose(three),
  "zabbix-compose-default.yml": () => renderZabbixCompose(one),
  "rsyslog-hive-services.conf": () => renderRsyslogConf(three),
  "logrotate-hive-services": () => renderLogrotate(),
  "hive-backup.service": () => renderBackupService(three),
  "hive-backup.timer": () => renderBackupTimer(),
  "zabbix-hosts-colocated.txt": () => renderZabbixHosts(colo),
  "firewall-ssh-sources.rules": () => renderFirewallRules(access, access.hosts[0]),
  "environment-proxy.txt": () => renderEnvironment(access, access.hosts[0]),
  "users.txt": () => renderUsers(access.hosts[0]),
};
