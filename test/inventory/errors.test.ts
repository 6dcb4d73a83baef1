// One test per validation error: the exact file, line, column and message printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HIVE, SERVICES, hiveWithStaging as stg, problemsOf, servicesWithWeb as web } from "./helpers";

const AWS = ["provider: aws", "cidr: 10.1.0.0/24", "region: ap-northeast-1"];
const VAGRANT = ["provider: vagrant", "cidr: 10.1.0.0/24"];
const STAGE_KEYS =
  "provider, cidr, subnets, ip_address_list, separate_repository, number_of_hosts, custom_hostname, shared_repository, region, az_suffix_list, instance_type, repository_instance_type, image_name, disk_size, repository_disk_size, mirrored_disk_size, disk_encrypted, repository_disk_encrypted, mirrored_disk_encrypted, kms_key_id, memory_size, cpus, repository_memory_size, repository_cpus, root_password, kernel_version, drbd_download_url, internal_cidr, internal_cidr_v6, filestore_cidr, prepared_resource_group, not_support_az, bridge, dev, kickstart_config, nameservers";
const SERVICE_KEYS =
  "image, available_on, backup_scripts, command, entrypoint, environment, dns, endpoint_mode, healthcheck, hosts, ignore_error, monitor_error, initialize_roles, labels, logging, mode, networks, placement, ports, replicas, restart_config, update_config, rollback_config, stop_grace_period, standalone, user, working_dir, cap_add, cap_drop, sysctls, cpu_limit, mem_limit, volumes";
const VOLUME_KEYS = "source, target, type, readonly, driver, driver_opts, drbd, nfs";
const IMAGE_KEYS = "from, roles, env, stop_signal, user, working_dir, standalone, entrypoint, command, privileged, expose, pull_on, pull_from, dockerfile";

interface Case {
  name: string;
  files: Record<string, string>;
  expected: string[];
  stage?: "private" | "staging" | "production";
  previous?: { ports: Record<string, number>; minors: Record<string, number> };
}

const hiveCases: Case[] = [
  { name: "unknown stage name", files: { "hive.yml": HIVE + "  prodution:\n    provider: aws\n" }, expected: ['hive.yml:13:3: stages.prodution: unknown stage (did you mean "production"?); allowed: private, staging, production'] },
  { name: "stage not defined", files: { "hive.yml": HIVE }, stage: "production", expected: ["hive.yml:3:1: stages.production: not defined; defined stages: private, staging"] },
  { name: "provider missing", files: { "hive.yml": stg("cidr: 10.1.0.0/24") }, expected: ['hive.yml:5:5: stages.staging.provider: must be specified (one of "vagrant", "aws", "azure", "gcp", "openstack", "prepared", "kickstart")'] },
  { name: "provider unknown", files: { "hive.yml": stg("provider: aws2", "cidr: 10.1.0.0/24") }, expected: ['hive.yml:5:15: stages.staging.provider: must be one of "vagrant", "aws", "azure", "gcp", "openstack", "prepared", "kickstart", but is the string "aws2"'] },
  { name: "kickstart is not supported", files: { "hive.yml": stg("provider: kickstart", "cidr: 10.1.0.0/24") }, expected: ['hive.yml:5:5: stages.staging.provider: "kickstart" is not supported yet; use provider "prepared" with ip_address_list for existing servers'] },
  { name: "openstack is not supported", files: { "hive.yml": stg("provider: openstack", "cidr: 10.1.0.0/24") }, expected: ['hive.yml:5:5: stages.staging.provider: "openstack" is not supported yet; use provider "prepared" with ip_address_list for existing servers'] },
  { name: "kickstart_config without kickstart", files: { "hive.yml": stg(...AWS, "kickstart_config: {}") }, expected: ["hive.yml:8:5: stages.staging.kickstart_config: cannot be specified when provider is not kickstart"] },
  { name: "instance_type with vagrant", files: { "hive.yml": stg(...VAGRANT, "instance_type: t3.large") }, expected: ["hive.yml:7:5: stages.staging.instance_type: cannot be specified when provider is vagrant"] },
  { name: "region with vagrant", files: { "hive.yml": stg(...VAGRANT, "region: x") }, expected: ["hive.yml:7:5: stages.staging.region: cannot be specified when provider is vagrant"] },
  { name: "prepared_resource_group without azure", files: { "hive.yml": stg(...AWS, "prepared_resource_group: true") }, expected: ['hive.yml:8:5: stages.staging.prepared_resource_group: is only available when provider is "azure"'] },
  { name: "not_support_az without azure", files: { "hive.yml": stg(...AWS, "not_support_az: true") }, expected: ['hive.yml:8:5: stages.staging.not_support_az: is only available when provider is "azure"'] },
  { name: "memory_size with IaaS", files: { "hive.yml": stg(...AWS, "memory_size: 4096") }, expected: ["hive.yml:8:5: stages.staging.memory_size: cannot be specified when provider is IaaS (aws); it is for vagrant, kickstart and prepared"] },
  { name: "repository_memory_size without vagrant", files: { "hive.yml": stg("provider: prepared", "cidr: 10.1.0.0/24", "repository_memory_size: 4096") }, expected: ["hive.yml:7:5: stages.staging.repository_memory_size: can only be specified when provider is vagrant"] },
  { name: "dev with IaaS", files: { "hive.yml": stg(...AWS, "dev: br0") }, expected: ["hive.yml:8:5: stages.staging.dev: cannot be specified when provider is IaaS (aws); it is for vagrant, kickstart and prepared"] },
  { name: "bridge with IaaS", files: { "hive.yml": stg(...AWS, "bridge: eth0") }, expected: ["hive.yml:8:5: stages.staging.bridge: cannot be specified when provider is IaaS (aws); it is for vagrant, kickstart and prepared"] },
  { name: "custom_hostname characters", files: { "hive.yml": stg(...AWS, "custom_hostname: Hive_") }, expected: ['hive.yml:8:5: stages.staging.custom_hostname: must consist of lowercase letters, digits and hyphens (not at either end), but is "Hive_"'] },
  { name: "custom_hostname length", files: { "hive.yml": stg(...AWS, `custom_hostname: ${"h".repeat(51)}`) }, expected: [`hive.yml:8:5: stages.staging.custom_hostname: custom_hostname + name must be shorter than 55 characters, but "${"h".repeat(51)}" + "demo" has 55`] },
  { name: "cidr missing", files: { "hive.yml": stg("provider: aws", "region: ap-northeast-1") }, expected: ["hive.yml:5:5: stages.staging.cidr: must be specified"] },
  { name: "cidr with host bits", files: { "hive.yml": stg("provider: aws", "cidr: 10.1.0.1/24", "region: ap-northeast-1") }, expected: ['hive.yml:6:5: stages.staging.cidr: "10.1.0.1/24" has host bits set (the network is 10.1.0.0/24)'] },
  { name: "cidr not a network", files: { "hive.yml": stg("provider: aws", "cidr: 10.1.0/24", "region: ap-northeast-1") }, expected: ['hive.yml:6:5: stages.staging.cidr: "10.1.0" is not an IPv4 address'] },
  { name: "subnet cidr missing", files: { "hive.yml": stg(...AWS, "subnets:", "- name: a") }, expected: ["hive.yml:9:7: stages.staging.subnets[0].cidr: must be specified"] },
  { name: "subnet outside cidr", files: { "hive.yml": stg(...AWS, "subnets:", "- cidr: 10.2.0.0/26") }, expected: ["hive.yml:9:7: stages.staging.subnets[0].cidr: 10.2.0.0/26 is not inside the stage's cidr 10.1.0.0/24"] },
  {
    name: "shared_repository with separate_repository false",
    files: { "hive.yml": stg(...AWS, "separate_repository: false", "shared_repository: {context_dir: /x}") },
    expected: ["hive.yml:9:5: stages.staging.shared_repository: requires separate_repository: true", "hive.yml:9:5: stages.staging.shared_repository: is not supported yet; use a repository server of the stage"],
  },
  { name: "disk_encrypted without kms_key_id", files: { "hive.yml": stg(...AWS, "disk_encrypted: true") }, expected: ["hive.yml:8:5: stages.staging.disk_encrypted: requires kms_key_id"] },
  { name: "repository_disk_encrypted without kms_key_id", files: { "hive.yml": stg(...AWS, "repository_disk_encrypted: true") }, expected: ["hive.yml:8:5: stages.staging.repository_disk_encrypted: requires kms_key_id"] },
  { name: "mirrored_disk_encrypted without kms_key_id", files: { "hive.yml": stg(...AWS, "mirrored_disk_encrypted: true") }, expected: ["hive.yml:8:5: stages.staging.mirrored_disk_encrypted: requires kms_key_id"] },
  { name: "unknown stage attribute", files: { "hive.yml": stg(...AWS, "instance_typ: t3.large") }, expected: [`hive.yml:8:5: stages.staging.instance_typ: unknown attribute (did you mean "instance_type"?); allowed: ${STAGE_KEYS}`] },
  { name: "region missing on a cloud", files: { "hive.yml": stg("provider: gcp", "cidr: 10.1.0.0/24") }, expected: ["hive.yml:4:3: stages.staging: region must be specified when provider is gcp"] },
  { name: "ip_address_list outside cidr", files: { "hive.yml": stg("provider: prepared", "cidr: 10.1.0.0/24", "ip_address_list: [10.1.0.4, 10.9.0.5]") }, expected: ["hive.yml:7:33: stages.staging.ip_address_list[1]: 10.9.0.5 is not inside cidr 10.1.0.0/24"] },
  { name: "ip_address_list with subnets", files: { "hive.yml": stg(...AWS, "ip_address_list: [10.1.0.4]", "subnets: [{cidr: 10.1.0.0/26}]") }, expected: ["hive.yml:8:5: stages.staging.ip_address_list: cannot be combined with subnets; give the addresses or the subnets"] },
  { name: "out of addresses", files: { "hive.yml": stg("provider: aws", "cidr: 10.1.0.0/29", "region: ap-northeast-1") }, expected: ["hive.yml:6:5: stages.staging.cidr: 10.1.0.0/29 has room for 3 hosts (from the network address + 4), but the stage needs 4"] },
  { name: "subnet out of addresses", files: { "hive.yml": stg(...AWS, "number_of_hosts: 5", "subnets:", "- cidr: 10.1.0.0/29") }, expected: ["hive.yml:10:7: stages.staging.subnets[0].cidr: 10.1.0.0/29 has no address left for host 2 (addresses start at the network address + 5)"] },
  { name: "separate repository with one host", files: { "hive.yml": stg(...AWS, "number_of_hosts: 1") }, expected: ["hive.yml:8:5: stages.staging.number_of_hosts: separate_repository needs at least 2 hosts (hives and a repository server); set separate_repository: false for a single server"] },
  { name: "internal_cidr too small", files: { "hive.yml": stg(...AWS, "internal_cidr: 10.9.0.0/30") }, expected: ["hive.yml:8:5: stages.staging.internal_cidr: must be a /28 or larger network to be split, but is /30"] },
  { name: "first_hive out of range", files: { "hive.yml": HIVE, "group_vars/all.yml": "first_hive: 3\n" }, expected: ["hive.yml:4:3: stages.private: first_hive is 3, but the hives are numbered 0 to 2", "hive.yml:8:3: stages.staging: first_hive is 3, but the hives are numbered 0 to 2"] },
  { name: "first_hive not a number", files: { "hive.yml": HIVE, "group_vars/all.yml": "first_hive: two\n" }, expected: ['group_vars/all.yml:1:1: first_hive: must be the index of a hive (an integer), but is "two"'] },
  { name: "number of hosts not an integer", files: { "hive.yml": stg(...AWS, "number_of_hosts: 2.5") }, expected: ["hive.yml:8:22: stages.staging.number_of_hosts: must be an integer, but is number 2.5"] },
  { name: "hive name", files: { "hive.yml": HIVE.replace("name: demo", "name: Demo_Site") }, expected: ['hive.yml:2:7: name: must be a domain-like name of lowercase letters, digits, hyphens and dots, but is "Demo_Site"'] },
  { name: "no hive definition", files: { "hive.yml": "", "services.yml": SERVICES }, expected: ['.:1:1: no hive definition found: one file needs "plugin: hive_inventory", name and stages'] },
  { name: "unknown top-level key of the hive definition", files: { "hive.yml": HIVE.replace("name: demo", "name: demo\nstage: {}") }, expected: ['hive.yml:3:1: stage: unknown attribute (did you mean "stages"?); allowed: plugin, name, stages'] },
  { name: "unknown subnet key", files: { "hive.yml": stg(...AWS, "subnets:", "- {cidr: 10.1.0.0/26, zone: a}") }, expected: ['hive.yml:9:27: stages.staging.subnets[0].zone: unknown attribute; allowed: cidr, name, available_zone'] },
  { name: "two hive definitions", files: { "hive.yml": HIVE, "second.yml": HIVE }, expected: ["second.yml:1:9: a second hive definition; only one file may have \"plugin: hive_inventory\" (the first is hive.yml)"] },
  { name: "unknown plugin", files: { "hive.yml": HIVE, "other.yml": "plugin: hive_service\n" }, expected: ['other.yml:1:9: plugin: must be "hive_inventory" or "hive_services", but is "hive_service"'] },
  { name: "YAML syntax error", files: { "hive.yml": HIVE, "bad.yml": "plugin: hive_services\nservices:\n  web: [a\n" }, expected: ["bad.yml:4:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]"] },
  { name: "unknown group_vars file", files: { "hive.yml": HIVE, "group_vars/server.yml": "a: 1\n" }, expected: ['group_vars/server.yml:1:1: group_vars/server: unknown group (did you mean "servers"?); allowed: all, hosts, servers, services, hives, repository, first_hive, private, staging, production'] },
];

const serviceCases: Case[] = [
  { name: "file available_on element", files: { "s.yml": "plugin: hive_services\navailable_on: [stagin]\nservices: {}\n" }, expected: ['s.yml:2:16: available_on[0]: must be one of "private", "staging", "production", but is the string "stagin"'] },
  { name: "unknown top-level key of a service definition", files: { "s.yml": "plugin: hive_services\nservice: {}\n" }, expected: ["s.yml:1:1: services: must be specified", 's.yml:2:1: service: unknown attribute (did you mean "services"?); allowed: plugin, available_on, services, networks'] },
  { name: "services not a mapping", files: { "s.yml": "plugin: hive_services\nservices: [web]\n" }, expected: ["s.yml:2:11: services: must be a mapping, but is a list"] },
  { name: "networks not a mapping", files: { "s.yml": "plugin: hive_services\nservices: {}\nnetworks: [a]\n" }, expected: ["s.yml:3:11: networks: must be a mapping, but is a list"] },
  { name: "network value not a mapping", files: { "s.yml": "plugin: hive_services\nservices: {}\nnetworks:\n  net1: 5\n" }, expected: ["s.yml:4:9: networks.net1: must be a mapping, but is number 5"] },
  { name: "unknown network attribute", files: { "s.yml": "plugin: hive_services\nservices: {}\nnetworks:\n  net1:\n    drivr: overlay\n" }, expected: ['s.yml:5:5: networks.net1.drivr: unknown attribute (did you mean "driver"?); allowed: driver, ipam, driver_opts'] },
  { name: "service not a mapping", files: { "s.yml": "plugin: hive_services\nservices:\n  web: nginx\n" }, expected: ['s.yml:3:8: services.web: must be a mapping of service attributes, but is string'] },
  { name: "unknown service attribute", files: { "s.yml": web("image: nginx", "enviroment: {}") }, expected: [`s.yml:5:5: services.web.enviroment: unknown attribute (did you mean "environment"?); allowed: ${SERVICE_KEYS}`] },
  { name: "service available_on element", files: { "s.yml": web("image: nginx", "available_on: [prod]") }, expected: ['s.yml:5:20: services.web.available_on[0]: must be one of "private", "staging", "production", but is the string "prod"'] },
  { name: "image missing", files: { "s.yml": web("replicas: 1") }, expected: ["s.yml:4:5: services.web.image: must be a string or a mapping, but is missing"] },
  { name: "volumes not a list", files: { "s.yml": web("image: nginx", "volumes: {source: a}") }, expected: ["s.yml:5:14: services.web.volumes: must be a list, but is a mapping"] },
  { name: "volume short syntax", files: { "s.yml": web("image: nginx", "volumes:", "- data:/data") }, expected: ['s.yml:6:7: services.web.volumes[0]: the short syntax "data:/data" is not supported; use a mapping with source, target and type'] },
  { name: "volume source and target", files: { "s.yml": web("image: nginx", "volumes:", "- source: data") }, expected: ["s.yml:6:7: services.web.volumes[0].target: must be specified"] },
  { name: "volume driver and nfs", files: { "s.yml": web("image: nginx", "volumes:", "- {source: d, target: /d, driver: local, nfs: {}}") }, expected: ["s.yml:6:7: services.web.volumes[0]: driver and nfs cannot be specified together; choose one"] },
  { name: "volume nfs and drbd", files: { "s.yml": web("image: nginx", "volumes:", "- {source: d, target: /d, nfs: {}, drbd: {fstype: xfs, size: 1G}}") }, expected: ["s.yml:6:7: services.web.volumes[0]: nfs and drbd cannot be specified together; choose one"] },
  { name: "volume driver and drbd", files: { "s.yml": web("image: nginx", "volumes:", "- {source: d, target: /d, driver: local, drbd: {fstype: xfs, size: 1G}}") }, expected: ["s.yml:6:7: services.web.volumes[0]: driver and drbd cannot be specified together; choose one"] },
  {
    name: "duplicate device_id",
    files: { "s.yml": web("image: nginx", "volumes:", "- {source: a, target: /a, drbd: {fstype: xfs, size: 1G, device_id: 7}}", "- {source: b, target: /b, drbd: {fstype: xfs, size: 1G, device_id: 7}}") },
    expected: ["s.yml:7:7: device_id 7 of volume b is already used by volume a; choose another device_id"],
  },
  {
    name: "DRBD minors exhausted",
    files: { "s.yml": web("image: nginx", "volumes:", "- {source: a, target: /a, drbd: {fstype: xfs, size: 1G}}") },
    previous: { ports: {}, minors: Object.fromEntries(Array.from({ length: 255 }, (_, i) => [`old${i}`, i + 1])) },
    expected: ["s.yml:6:7: no free DRBD minor left in 1-255 for volume a"],
  },
  { name: "unknown volume attribute", files: { "s.yml": web("image: nginx", "volumes:", "- {source: a, target: /a, read_only: true}") }, expected: [`s.yml:6:31: services.web.volumes[0].read_only: unknown attribute (did you mean "readonly"?); allowed: ${VOLUME_KEYS}`] },
  { name: "unknown drbd attribute", files: { "s.yml": web("image: nginx", "volumes:", "- {source: a, target: /a, drbd: {fstype: xfs, size: 1G, disk_less: []}}") }, expected: ['s.yml:6:61: services.web.volumes[0].drbd.disk_less: unknown attribute (did you mean "diskless"?); allowed: fstype, size, diskless, device_id, vgname, available_on'] },
  { name: "volume element type", files: { "s.yml": web("image: nginx", "volumes:", "- 5") }, expected: ["s.yml:6:7: services.web.volumes[0]: must be a mapping or a string, but is number 5"] },
  { name: "image from missing", files: { "s.yml": web("image:", "  roles: [a]") }, expected: ["s.yml:5:7: services.web.image.from: must be specified"] },
  { name: "pull_on without pull_from", files: { "s.yml": web("image:", "  from: alpine", "  pull_on: [staging]") }, expected: ["s.yml:6:7: services.web.image: pull_from must be specified when pull_on is specified"] },
  { name: "unknown image attribute", files: { "s.yml": web("image:", "  from: alpine", "  rolse: [a]") }, expected: [`s.yml:6:7: services.web.image.rolse: unknown attribute (did you mean "roles"?); allowed: ${IMAGE_KEYS}`] },
  { name: "image type", files: { "s.yml": web("image: [nginx]") }, expected: ["s.yml:4:12: services.web.image: must be a string or a mapping, but is a list"] },
  { name: "port element type", files: { "s.yml": web("image: nginx", "ports:", "- [80]") }, expected: ["s.yml:6:7: services.web.ports[0]: must be a string or a number or a mapping, but is a list"] },
  { name: "unknown protocol, short syntax", files: { "s.yml": web("image: nginx", "ports:", '- "80:80/tcpx"') }, expected: ['s.yml:6:7: services.web.ports[0]: unknown protocol "tcpx"; allowed: tcp, udp, sctp'] },
  { name: "unknown protocol, long syntax", files: { "s.yml": web("image: nginx", "ports:", "- {target_port: 80, protocol: tcpx}") }, expected: ['s.yml:6:35: services.web.ports[0].protocol: must be one of "tcp", "udp", "sctp", but is the string "tcpx"'] },
  { name: "unknown port attribute", files: { "s.yml": web("image: nginx", "ports:", "- {target_port: 80, publshed_port: 80}") }, expected: ['s.yml:6:25: services.web.ports[0].publshed_port: unknown attribute (did you mean "published_port"?); allowed: target_port, published_port, protocol, mode'] },
  { name: "malformed short port", files: { "s.yml": web("image: nginx", "ports:", '- "eighty"') }, expected: ['s.yml:6:7: services.web.ports[0]: "eighty" is not a port; use "[published:]target[/protocol]" or a mapping with target_port, published_port, protocol, mode'] },
  {
    name: "published ports exhausted",
    files: { "s.yml": web("image: nginx", "ports:", '- "80"') },
    previous: { ports: Object.fromEntries(Array.from({ length: 65534 - 61001 + 1 }, (_, i) => [`old${i}`, 61001 + i])), minors: {} },
    expected: ["s.yml:5:5: no free published port left in 61001-65534 for web80; give published_port explicitly"],
  },
  {
    name: "published port used twice",
    files: { "s.yml": "plugin: hive_services\nservices:\n  a:\n    image: nginx\n    ports: ['80:80']\n  b:\n    image: nginx\n    ports: ['80:8080']\n" },
    expected: ["s.yml:8:13: services.b.ports[0]: published port 80/tcp is already published by service a"],
  },
  { name: "duplicate service across files", files: { "a.yml": web("image: nginx"), "b.yml": web("image: nginx") }, expected: ["b.yml:3:3: services.web: service already defined in a.yml"] },
  { name: "unknown network reference", files: { "s.yml": web("image: nginx", "networks: [hive_default_netwrk]") }, expected: ['s.yml:5:16: services.web.networks[0]: unknown network "hive_default_netwrk" (did you mean "hive_default_network"?); defined: hive_default_network'] },
  { name: "replicas with mode global", files: { "s.yml": web("image: nginx", "mode: global", "replicas: 2") }, expected: ["s.yml:6:5: services.web.replicas: cannot be specified when mode is global"] },
  { name: "drbd fstype", files: { "s.yml": web("image: nginx", "volumes:", "- {source: a, target: /a, drbd: {fstype: btrfs, size: 1G}}") }, expected: ['s.yml:6:46: services.web.volumes[0].drbd.fstype: must be one of "xfs", "ext4", but is the string "btrfs"'] },
  { name: "drbd size", files: { "s.yml": web("image: nginx", "volumes:", "- {source: a, target: /a, drbd: {fstype: xfs, size: big}}") }, expected: ['s.yml:6:57: services.web.volumes[0].drbd.size: must be an LVM size such as 500M or 20G, but is the string "big"'] },
  {
    name: "volume defined differently",
    files: { "s.yml": "plugin: hive_services\nservices:\n  a:\n    image: nginx\n    volumes: [{source: v, target: /v, drbd: {fstype: xfs, size: 1G}}]\n  b:\n    image: nginx\n    volumes: [{source: v, target: /v, drbd: {fstype: xfs, size: 2G}}]\n" },
    expected: ["s.yml:8:15: volume v is defined differently in services a and b; the definitions must be identical"],
  },
  { name: "backup script style", files: { "s.yml": web("image: nginx", "backup_scripts:", "- {name: x, directory: /d, backup_command: dump}") }, expected: ["s.yml:6:7: services.web.backup_scripts[0]: directory cannot be combined with backup_command, backup_file, restore_command or restore_file"] },
  { name: "reserved service name", files: { "s.yml": "plugin: hive_services\nservices:\n  hive-x:\n    image: nginx\n" }, expected: ['s.yml:3:3: services.hive-x: names starting with "hive-" are reserved for hive\'s own backups'] },
];

const templateCases: Case[] = [
  { name: "undefined variable", files: { "s.yml": web("image: nginx", "environment:", '  A: "{{ undefined_var }}"') }, expected: ['s.yml:6:10: services.web.environment.A: cannot evaluate "{{ undefined_var }}": undefined variable "undefined_var"; define it in group_vars or stack config hive:vars, or use default(...)'] },
  { name: "misspelt variable", files: { "s.yml": web("image: nginx", "environment:", '  A: "{{ hive_stag }}"') }, expected: ['s.yml:6:10: services.web.environment.A: cannot evaluate "{{ hive_stag }}": undefined variable "hive_stag" (did you mean "hive_stage"?)'] },
  { name: "syntax error", files: { "s.yml": web("image: nginx", "environment:", '  A: "{{ 1 + }}"') }, expected: ['s.yml:6:10: services.web.environment.A: cannot evaluate "{{ 1 + }}": unexpected token: }} (check the Jinja expression syntax)'] },
  {
    name: "variable cycle",
    files: { "group_vars/services.yml": 'a: "{{ b }}"\nb: "{{ a }}"\n', "s.yml": web("image: nginx", "environment:", '  A: "{{ a }}"') },
    expected: ["group_vars/services.yml:1:1: variable \"a\" refers to itself (a → b → a)"],
  },
  {
    name: "error inside a variable",
    files: { "group_vars/services.yml": 'db: "{{ nope }}"\n', "s.yml": web("image: nginx", "environment:", '  A: "{{ db }}"') },
    expected: ['group_vars/services.yml:1:1: in variable "db": cannot evaluate "{{ nope }}": undefined variable "nope"; define it in group_vars or stack config hive:vars, or use default(...)'],
  },
  { name: "unsupported lookup", files: { "s.yml": web("image: nginx", "environment:", "  A: \"{{ lookup('url', 'https://example.com') }}\"") }, expected: ["s.yml:6:10: services.web.environment.A: lookup('url', …) is not supported; supported: password, env, file, template, vars, pipe, first_found"] },
  { name: "error in group_vars", files: { "group_vars/all.yml": 'hive_timezone: "{{ missing }}"\n' }, expected: ['group_vars/all.yml:1:1: in variable "hive_timezone": cannot evaluate "{{ missing }}": undefined variable "missing"; define it in group_vars or stack config hive:vars, or use default(...)'] },
  // Variables hive does not read are Ansible's: evaluated only when a value hive evaluates uses them.
  { name: "an unused variable hive cannot evaluate", files: { "group_vars/all.yml": 'x: "{{ missing }}"\nmy_ip: "{{ ansible_default_ipv4.address }}"\n' }, expected: [] },
  {
    name: "a variable hive cannot evaluate, used by a service",
    files: { "group_vars/all.yml": 'x: "{{ missing }}"\nmy_ip: "{{ ansible_default_ipv4.address }}"\n', "s.yml": web("image: nginx", "environment:", '  A: "{{ x }}"', '  B: "{{ my_ip }}"') },
    expected: [
      'group_vars/all.yml:1:1: in variable "x": cannot evaluate "{{ missing }}": undefined variable "missing"; define it in group_vars or stack config hive:vars, or use default(...)',
      `group_vars/all.yml:2:1: in variable "my_ip": cannot evaluate "{{ ansible_default_ipv4.address }}": "ansible_default_ipv4" is an Ansible fact, gathered from a running server; hive evaluates this value itself before any server runs, so it has no facts (the server's address in the inventory is hive_private_ip); roles, which Ansible runs, may use facts`,
    ],
  },
];

for (const c of [...hiveCases, ...serviceCases, ...templateCases]) {
  test(`error: ${c.name}`, () => {
    const files: Record<string, string> = { "hive.yml": HIVE, ...c.files };
    if (files["hive.yml"] === "") delete files["hive.yml"];
    if ("services.yml" in c.files === false && !Object.keys(c.files).some((f) => f.endsWith(".yml") && !f.includes("/") && f !== "hive.yml")) {
      files["services.yml"] = SERVICES;
    }
    assert.deepEqual(problemsOf(files, { stage: c.stage, previous: c.previous }), c.expected);
  });
}

test("several errors are reported together, sorted by file and position", () => {
  const problems = problemsOf({
    "hive.yml": stg(...AWS, "memory_size: 1", "disk_encrypted: true"),
    "s.yml": web("image: nginx", "replicas: two", "enviroment: {}"),
  });
  assert.deepEqual(problems.map((p) => p.split(": ")[0]), ["hive.yml:8:5", "hive.yml:9:5", "s.yml:5:15", "s.yml:6:5"]);
});

test("a long-syntax port without protocol means tcp", () => {
  assert.deepEqual(problemsOf({ "hive.yml": HIVE, "s.yml": web("image: nginx", "ports:", "- {target_port: 80, published_port: 80}") }), []);
});

test("a template error in a network is reported once, at the value", () => {
  const files = { "hive.yml": HIVE, "s.yml": "plugin: hive_services\nservices: {}\nnetworks:\n  net1:\n    ipam: \"{{ nope }}\"\n" };
  assert.deepEqual(problemsOf(files), ['s.yml:5:11: networks.net1.ipam: cannot evaluate "{{ nope }}": undefined variable "nope"; define it in group_vars or stack config hive:vars, or use default(...)']);
});
