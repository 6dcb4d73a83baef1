// The Pulumi program: stack config → site model → the Site component → stack outputs.
// `src/index.ts` runs `main()` under the Pulumi engine; `hive plan` runs the same `main()` under mocks.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import type { Allocations, Site as SiteModel, Stage } from "./inventory/model";
import { readPreviousStack } from "../components/services/ledger";
import { STAGES } from "./inventory/model";
import { builderSetVars } from "./inventory/builder-vars";
import { Site, SiteOptions } from "../components/site";
import { serverOutputs } from "../components/infra/fleet";
import { INVENTORY_ENV } from "./automation/types";
import { guardSite } from "../components/destroy-guard";
import { configSecrets } from "../components/secret-report";
import { reportSecrets } from "./automation/secret-channel";
import { dropSdkDebugLogs } from "./sdk-debug";

export interface ProgramConfig {
  /** Absolute path of the inventory folder. */
  readonly inventoryDir: string;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly adminCidrs: readonly string[];
  readonly halted: boolean;
  readonly allowDestroyProduction: boolean;
  readonly sshPrivateKeyPem?: pulumi.Output<string>;
  readonly caCertPem?: pulumi.Output<string>;
  readonly caKeyPem?: pulumi.Output<string>;
  readonly gcpProject?: string;
  readonly noFormat: boolean;
  /** Stack config `hive:allocations`: a ledger imported before the first update. */
  readonly importedLedger: unknown;
}

/** Reads the `hive:*` stack config once; paths are relative to the project root. */
export function readProgramConfig(projectRoot: string, env: NodeJS.ProcessEnv = process.env): ProgramConfig {
  const hive = new pulumi.Config("hive");
  const gcp = new pulumi.Config("gcp");
  const adminCidrs = hive.getObject<string[]>("adminCidrs") ?? ["0.0.0.0/0"];
  if (!Array.isArray(adminCidrs) || adminCidrs.some((c) => typeof c !== "string" || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c))) {
    throw new Error(`hive:adminCidrs must be a list of IPv4 CIDRs, got ${JSON.stringify(adminCidrs)}`);
  }
  return {
    inventoryDir: path.resolve(projectRoot, env[INVENTORY_ENV] || (hive.get("inventory") ?? "inventory")),
    // `hive set vagrant_proxy …` and the other hive-builder variables, overridden by hive:vars.
    vars: { ...builderSetVars((key) => hive.get(key)), ...(hive.getObject<Record<string, unknown>>("vars") ?? {}) },
    adminCidrs,
    halted: hive.getBoolean("halted") ?? false,
    allowDestroyProduction: hive.getBoolean("allowDestroyProduction") ?? false,
    sshPrivateKeyPem: hive.getSecret("sshPrivateKey"),
    caCertPem: hive.getSecret("caCertPem"),
    caKeyPem: hive.getSecret("caKeyPem"),
    gcpProject: gcp.get("project") ?? process.env.GOOGLE_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT,
    noFormat: hive.getBoolean("noFormat") ?? false,
    importedLedger: hive.getObject("allocations"),
  };
}

export function stackStage(): Stage {
  const stack = pulumi.getStack();
  if (!(STAGES as readonly string[]).includes(stack)) throw new Error(`stack "${stack}" is not a stage; use one of ${STAGES.join(", ")}`);
  return stack as Stage;
}

/** Creates the site's resources; returns the stack outputs. */
export function runProgram(site: SiteModel, options: SiteOptions) {
  const component = new Site(site.name, { site, options });
  guardSite(site.name, component, site.stage, options.allowDestroyProduction);
  return {
    stage: site.stage,
    provider: site.provider,
    adminUser: site.adminUser,
    servers: serverOutputs(component.servers),
    sshConfig: component.sshConfig,
    sshPrivateKey: component.pki.sshPrivateKeyPem,
    // The key a rotation replaced: the next update still gives it to the access commands (components/infra/access.ts).
    sshRetiredKey: component.retiredSshKey,
    sshPublicKey: component.pki.sshPublicKeyOpenssh,
    caCertPem: component.pki.caCertPem,
    firewall: component.firewall,
    // The allocation ledger: read back by the next update (components/services/ledger.ts).
    allocations: component.workloads.allocations,
    // The images swarm recorded: read back by the next update (recordedImage in components/services).
    images: component.workloads.recordedImages,
  };
}

export type ProgramOutputs = ReturnType<typeof runProgram>;

export interface LoadSiteArgs {
  inventoryDir: string;
  stage: Stage;
  vars: Readonly<Record<string, unknown>>;
  contextDir: string;
  previous: Allocations;
}
export type SiteLoader = (args: LoadSiteArgs) => SiteModel | Promise<SiteModel>;

/**
 * The folder of Pulumi.yaml. The language host runs the program in the folder of `main` (src/), not in
 * the project's, and says where the project is; without a language host (mocks) it is this checkout.
 */
export function projectRoot(): string {
  // Under mocks the runtime reports a placeholder, not a path.
  const dir = pulumi.runtime.getRootDirectory();
  return dir !== "" && path.isAbsolute(dir) ? dir : path.resolve(__dirname, "..");
}

/** The whole program: config, site model, resources. */
export async function main(loadSite: SiteLoader, root = projectRoot()): Promise<ProgramOutputs> {
  // First of all: the runner masks the secret config from here on (src/automation/secret-channel.ts), and
  // needs none of the SDK's debug messages (src/sdk-debug.ts).
  reportSecrets(configSecrets());
  dropSdkDebugLogs();
  const stage = stackStage();
  const config = readProgramConfig(root);
  const contextDir = path.join(root, ".hive", stage);
  const previous = await readPreviousStack(config.importedLedger);
  const site = await loadSite({ inventoryDir: config.inventoryDir, stage, vars: config.vars, contextDir, previous: previous.ledger });
  return runProgram(site, {
    previousLedger: previous.ledger,
    previousKeys: previous.keys,
    previousImages: previous.images,
    noFormat: config.noFormat,
    addonScript: readAddonScript(config.inventoryDir),
    adminCidrs: config.adminCidrs,
    halted: config.halted,
    allowDestroyProduction: config.allowDestroyProduction,
    contextDir,
    sshPrivateKeyPem: config.sshPrivateKeyPem,
    caCertPem: config.caCertPem,
    caKeyPem: config.caKeyPem,
    gcpProject: config.gcpProject,
  });
}

/** The project's addon hook: `roles/addon/setup.sh` beside the inventory folder, when present. */
export function readAddonScript(inventoryDir: string): string | null {
  const file = path.join(inventoryDir, "..", "roles", "addon", "setup.sh");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
}
