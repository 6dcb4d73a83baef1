// HostSetup: the host software of one server (hive-builder's setup-hosts roles for `servers`).
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as tls from "@pulumi/tls";
import type { Host, Site } from "../../src/inventory/model";
import { stepCommand, type HostConnection } from "./command";
import { hostSteps, type StepPlan } from "./steps";
import { reportSecret } from "../secret-report";

/** The site CA (generated in the program or supplied by the user). */
export interface SiteCa {
  readonly certPem: pulumi.Input<string>;
  readonly keyPem: pulumi.Input<string>;
}

export interface HostSetupArgs {
  readonly site: Site;
  readonly host: Host;
  readonly connection: HostConnection;
  readonly ca: SiteCa;
  /** Text of the project's roles/addon/setup.sh, when the project has one (read by the program's entry). */
  readonly addonScript?: string | null;
}

/** Ten years, like hive-builder's certificates that practically never expired. */
export const CERT_VALIDITY_HOURS = 24 * 365 * 10;

/** Subject alternative names of a server's certificate: FQDN, short name, private IP, 127.0.0.1. */
export function certificateNames(host: Host): { dnsNames: string[]; ipAddresses: string[] } {
  return { dnsNames: [host.name, host.shortName, "localhost"], ipAddresses: [host.privateIp, "127.0.0.1"] };
}

/** Fails when a step names a step that is unknown or planned after it. */
export function checkOrder(steps: readonly StepPlan[]): void {
  const seen = new Set<string>();
  for (const s of steps) {
    for (const a of s.after) if (!seen.has(a)) throw new Error(`step ${s.step} runs after unknown or later step ${a}`);
    seen.add(s.step);
  }
}

export class HostSetup extends pulumi.ComponentResource {
  /** Every step's command by step name. */
  public readonly steps: Readonly<Record<string, command.remote.Command>>;
  /** The steps nothing else in this server depends on: wait for these to have the server ready. */
  public readonly ready: command.remote.Command[];
  public readonly certPem: pulumi.Output<string>;

  constructor(name: string, args: HostSetupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:host:HostSetup", name, {}, opts);
    const { site, host } = args;
    const key = new tls.PrivateKey(`${name}-tls-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
    reportSecret(key.privateKeyPem);
    const csr = new tls.CertRequest(
      `${name}-tls-csr`,
      { privateKeyPem: key.privateKeyPem, subject: { commonName: host.name, organization: site.name }, ...certificateNames(host) },
      { parent: this },
    );
    const cert = new tls.LocallySignedCert(
      `${name}-tls-cert`,
      {
        certRequestPem: csr.certRequestPem,
        caCertPem: args.ca.certPem,
        caPrivateKeyPem: pulumi.secret(args.ca.keyPem),
        validityPeriodHours: CERT_VALIDITY_HOURS,
        allowedUses: ["key_encipherment", "digital_signature", "server_auth", "client_auth"],
      },
      { parent: this },
    );
    this.certPem = cert.certPem;

    const plans = hostSteps(site, host, { addonScript: args.addonScript });
    checkOrder(plans);
    const steps: Record<string, command.remote.Command> = {};
    for (const p of plans) {
      const values =
        p.step === "tls"
          ? { inputs: { HIVE_CA_CERT: args.ca.certPem, HIVE_CERT: cert.certPem }, secrets: { HIVE_KEY: key.privateKeyPem } }
          : {};
      steps[p.step] = stepCommand(`${name}-${p.step}`, p, args.connection, values, {
        parent: this,
        dependsOn: p.after.map((a) => steps[a]),
      });
    }
    const needed = new Set(plans.flatMap((p) => p.after));
    this.steps = steps;
    this.ready = plans.filter((p) => !needed.has(p.step)).map((p) => steps[p.step]);
    this.registerOutputs({ certPem: this.certPem });
  }
}
