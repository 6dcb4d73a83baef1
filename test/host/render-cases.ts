// Every rendered file of the host setup for the fixture sites; render.test.ts compares each with its
// snapshot under __snapshots__ exactly.
import { colocatedRepoSite, oneHostSite, threeHivesAndRepoSite } from "../helpers/host-site-fixture";
import {
  renderDaemonJson,
  renderDockerDropIn,
  renderDrbdGlobal,
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
};
