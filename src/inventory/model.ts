// The site model: the one validated, derived, immutable description of a stage of a site.
// Everything downstream (components, CLI output, the bot) reads this and nothing else.

export const STAGES = ["private", "staging", "production"] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_PREFIX: Record<Stage, string> = { private: "p-", staging: "s-", production: "" };

export const PROVIDERS = ["vagrant", "aws", "azure", "gcp", "openstack", "prepared", "kickstart"] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Where a value came from in the inventory (1-based line and column). */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A generated secret (hive-builder's `lookup('password', …)`), realised later by `@pulumi/random`. */
export interface SecretSpec {
  /** Stable name, the basename of the lookup path (`registry_password` is the site's registry password). */
  readonly name: string;
  readonly length: number;
  /** Character classes of Ansible's password lookup: ascii_letters, ascii_lowercase, ascii_uppercase, digits, punctuation, hexdigits. */
  readonly chars: readonly string[];
}

/**
 * A string that contains one or more secrets. `parts` are concatenated; `{ secret }` parts are replaced by the
 * value of the named SecretSpec at deploy time and the whole value is a Pulumi secret.
 */
export interface SecretString {
  readonly kind: "secret";
  readonly parts: readonly (string | { readonly secret: string })[];
}

/** A value after template evaluation. */
export type Value = string | number | boolean | null | SecretString | readonly Value[] | { readonly [key: string]: Value };

export interface Subnet {
  readonly name: string;
  readonly cidr: string;
  readonly availabilityZone: string | null;
}

export interface Host {
  /** FQDN-like inventory name, e.g. `s-hive0.pdns`. */
  readonly name: string;
  /** OS hostname and swarm node name: the first label, e.g. `s-hive0`. */
  readonly shortName: string;
  readonly index: number;
  readonly privateIp: string;
  /** Prefix length of the host's subnet. */
  readonly prefixLength: number;
  readonly subnet: string;
  /** Zone from the subnet or spread over the region; null when only the cloud knows (AWS without subnet zones). */
  readonly availabilityZone: string | null;
  /** Index into the region's zone list when the zone is spread (host index % 3); null when given explicitly. */
  readonly zoneIndex: number | null;
  /** Sorted: `first_hive`, `hives`, `repository`, `servers`, and the stage name. */
  readonly groups: readonly string[];
  readonly isHive: boolean;
  readonly isRepository: boolean;
  readonly isFirstHive: boolean;
  readonly instanceType: string | null;
  readonly diskSize: number | null;
  readonly diskEncrypted: boolean;
  /** GB of the separate DRBD disk; null when the host has none. */
  readonly mirroredDiskSize: number | null;
  readonly mirroredDiskEncrypted: boolean;
  readonly memorySize: number | null;
  readonly cpus: number | null;
  /** Variables visible to this host (group_vars all/servers/hives/repository/<stage> + host_vars), evaluated. */
  readonly vars: { readonly [key: string]: Value };
}

/** The stage's attributes as written (validated), for the infrastructure components. */
export interface StageSpec {
  readonly provider: Provider;
  readonly cidr: string;
  readonly subnets: readonly Subnet[];
  readonly separateRepository: boolean;
  readonly numberOfHosts: number;
  readonly customHostname: string;
  readonly region: string | null;
  /** AMI id / image URI, or for Azure `{offer, publisher, sku, version}`. */
  readonly imageName: string | { readonly [key: string]: string } | null;
  readonly kmsKeyId: string | null;
  readonly rootPassword: SecretString | string | null;
  readonly internalCidr: string | null;
  readonly internalCidrV6: string | null;
  readonly kernelVersion: string | null;
  readonly drbdDownloadUrl: string | null;
  readonly preparedResourceGroup: string | null;
  readonly notSupportAz: boolean;
  readonly bridge: string | null;
  readonly dev: string | null;
  readonly repositoryMemorySize: number | null;
  readonly repositoryCpus: number | null;
  readonly pos: SourcePos;
}

export interface InternalNetworks {
  readonly overlay: string | null;
  readonly ingress: string | null;
  readonly ingressGateway: string | null;
  readonly gwbridge: string | null;
  /** docker0 as a CIDR; the `--bip` value is `docker0Bip`. */
  readonly docker0: string | null;
  readonly docker0Bip: string | null;
  readonly registry: string | null;
  readonly zabbix: string | null;
}

export type Protocol = "tcp" | "udp" | "sctp";

export interface Port {
  readonly target: number;
  /** Explicit or allocated; null when an automatic port has no stored allocation yet. */
  readonly published: number | null;
  readonly protocol: Protocol;
  readonly mode: "ingress" | "host";
  /** True when the number was given in the inventory. */
  readonly explicit: boolean;
  /** Allocation ledger key (hive-builder's `<service><target>`). */
  readonly key: string;
}

export interface Mount {
  readonly source: string;
  readonly target: string;
  readonly type: "volume" | "bind" | "tmpfs";
  readonly readonly: boolean;
}

export interface ImageBuild {
  readonly from: string;
  readonly roles: readonly string[];
  readonly env: { readonly [key: string]: Value };
  readonly stopSignal: string | null;
  readonly user: string | null;
  readonly workingDir: string | null;
  readonly entrypoint: readonly string[] | null;
  readonly command: readonly string[] | null;
  readonly privileged: boolean;
  readonly expose: readonly string[];
  readonly standalone: boolean;
  readonly dockerfile: string | null;
}

export interface ServiceImage {
  /** `pull`: an image reference used as is; `build`: built on the repository server and pushed. */
  readonly kind: "pull" | "build";
  /** For `pull`, the reference; for `build`, the repository without tag (`s-hive3.pdns:5000/image_pdnsdb`). */
  readonly ref: string;
  /** The build object; null for `pull` (also when `pull_on` selects `pull_from` in this stage). */
  readonly build: ImageBuild | null;
}

/** A rolling update (or rollback) policy, as docker compose's update_config. */
export interface UpdatePolicy {
  readonly parallelism?: number;
  readonly delay?: string;
  readonly failure_action?: "continue" | "pause" | "rollback";
  readonly monitor?: string;
  readonly max_failure_ratio?: number;
  readonly order?: "stop-first" | "start-first";
}

/** Text that may hold secrets: a plain string, or a SecretString when a `lookup('password', …)` is in it. */
export type Text = string | SecretString;

/** One entry of `backup_scripts`; `name` and `ext` make file names, so they are plain. */
export interface BackupScript {
  readonly name: string;
  readonly directory: Text | null;
  readonly backupCommand: Text | null;
  readonly backupFile: Text | null;
  readonly restoreCommand: Text | null;
  readonly restoreFile: Text | null;
  readonly ext: string | null;
  readonly cleanupDaysBefore: number | null;
  readonly batchScripts: readonly Text[];
}

export interface Service {
  readonly name: string;
  readonly pos: SourcePos;
  readonly image: ServiceImage;
  /** Swarm `args` (hive-builder `command`). */
  readonly args: readonly Value[] | null;
  /** Swarm `command` (hive-builder `entrypoint`). */
  readonly command: readonly Value[] | null;
  readonly environment: { readonly [key: string]: Value };
  readonly ports: readonly Port[];
  readonly mounts: readonly Mount[];
  /** Always includes `HIVE_STANDALONE`; non-string values encoded as Ansible's `to_json` writes them. */
  readonly labels: { readonly [key: string]: Text };
  readonly logging: { readonly driver: string; readonly options: { readonly [key: string]: string } };
  readonly placement: { readonly constraints: readonly string[]; readonly preferences: readonly Value[] };
  readonly mode: "replicated" | "global";
  /** null = keep the current scale of an existing service (1 for a new one). */
  readonly replicas: number | null;
  readonly restartConfig: { readonly [key: string]: Value } | null;
  /** `update_config` / `rollback_config`; null keeps swarm's defaults, as hive-builder did. */
  readonly updateConfig: UpdatePolicy | null;
  readonly rollbackConfig: UpdatePolicy | null;
  readonly endpointMode: "vip" | "dnsrr" | null;
  readonly dns: readonly string[];
  /** host name → IP; every server of the stage first, then the service's own entries. */
  readonly hosts: { readonly [host: string]: string };
  readonly user: string | null;
  readonly workingDir: string | null;
  readonly healthcheck: { readonly [key: string]: Value } | null;
  readonly stopGracePeriod: string | null;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly sysctls: { readonly [key: string]: string };
  readonly cpuLimit: number | null;
  readonly memLimit: string | null;
  readonly standalone: boolean;
  readonly initializeRoles: readonly string[];
  readonly backupScripts: readonly BackupScript[];
  readonly monitorError: readonly string[];
  readonly ignoreError: readonly string[];
  readonly networks: readonly string[];
}

export interface DrbdSpec {
  readonly fstype: "xfs" | "ext4";
  /** LVM size string, e.g. `500M`. */
  readonly size: string;
  /** Explicit (`device_id`) or allocated; null when not stored yet. */
  readonly minor: number | null;
  /** 7000 + minor; null with minor. */
  readonly port: number | null;
  readonly diskless: readonly string[];
  readonly vgname: string;
}

export interface Volume {
  readonly name: string;
  readonly kind: "drbd" | "driver" | "nfs" | "plain";
  readonly drbd: DrbdSpec | null;
  readonly driver: string | null;
  readonly driverOpts: { readonly [key: string]: string };
  readonly nfs: { readonly size: string | null } | null;
  /** Services that mount it, sorted. */
  readonly services: readonly string[];
  readonly pos: SourcePos;
}

export interface Network {
  readonly name: string;
  readonly driver: "overlay";
  readonly attachable: boolean;
  /** Subnet (from `ipam.config[0].subnet` or the `internal_cidr` slice for `hive_default_network`). */
  readonly subnet: string | null;
  readonly ipam: { readonly [key: string]: Value } | null;
  readonly driverOpts: { readonly [key: string]: string };
}

/** Stored allocations: published ports by ledger key, DRBD minors by volume name. */
export interface Allocations {
  readonly ports: { readonly [key: string]: number };
  readonly minors: { readonly [volume: string]: number };
}

/**
 * The inventory's variables as Ansible would get them, for the roles hive runs with Ansible: values as written
 * (Ansible renders them), except that a value holding `lookup('password', …)` is the evaluated Value (its
 * secret is hive's, not a file Ansible would generate). Built-ins are hive-builder's site-wide variables.
 */
export interface AnsibleVars {
  /** group_vars by group (all, hosts, servers, services, hives, repository, first_hive, the stage). */
  readonly groups: { readonly [group: string]: { readonly [key: string]: unknown } };
  /** host_vars by server name. */
  readonly hosts: { readonly [host: string]: { readonly [key: string]: unknown } };
  /** Stack config `hive:vars` (hive-builder's extra vars: the highest precedence). */
  readonly extra: { readonly [key: string]: unknown };
  readonly builtins: { readonly [key: string]: unknown };
}

export interface Site {
  readonly name: string;
  readonly stage: Stage;
  readonly provider: Provider;
  readonly spec: StageSpec;
  /** Servers in index order; the last one is the repository server. */
  readonly hosts: readonly Host[];
  readonly repository: string;
  /** `<repository fqdn>:5000`. */
  readonly registry: string;
  readonly firstHive: string;
  /** Admin login user on the servers. */
  readonly adminUser: string;
  readonly internalNetworks: InternalNetworks;
  /** Published ports < 10000 across all services, sorted; only these are opened in cloud firewalls. */
  readonly firewall: { readonly tcp: readonly number[]; readonly udp: readonly number[] };
  /** Services available in this stage, in file order. */
  readonly services: readonly Service[];
  readonly volumes: readonly Volume[];
  readonly networks: readonly Network[];
  readonly secrets: readonly SecretSpec[];
  /** Variables of group `all` + `servers` + stage group, evaluated (the globals of templates). */
  readonly vars: { readonly [key: string]: Value };
  /** Allocation ledger after this inventory: previous entries plus new ones. */
  readonly allocations: Allocations;
  /** Ledger entries that were not in the `previous` ledger given to the build (not stored yet). */
  readonly newAllocations: Allocations;
  /** Absolute path of the inventory folder. */
  readonly inventoryDir: string;
  /** The variables for Ansible roles; absent in hand-built sites. */
  readonly ansibleVars?: AnsibleVars;
}
