// The site's SSH key pair and certificate authority: generated with @pulumi/tls unless the user supplies them.
import * as pulumi from "@pulumi/pulumi";
import { PrivateKey } from "@pulumi/tls/privateKey";
import { SelfSignedCert } from "@pulumi/tls/selfSignedCert";
import { getPublicKeyOutput } from "@pulumi/tls/getPublicKey";
import { reportSecret } from "./secret-report";

export interface PkiArgs {
  /** Hive name; the CA's common name is `ca.<siteName>`. */
  siteName: string;
  /** PEM of an existing SSH private key (secret); generated when absent. */
  sshPrivateKeyPem?: pulumi.Input<string>;
  /** PEM of an existing CA certificate and its key; both or neither. */
  caCertPem?: pulumi.Input<string>;
  caKeyPem?: pulumi.Input<string>;
}

/** hive-builder's CA lifetime (`hive_valid_in` default 36500 days). */
export const CA_VALIDITY_HOURS = 36500 * 24;

export function caSubject(siteName: string): { commonName: string } {
  return { commonName: `ca.${siteName}` };
}

export class Pki extends pulumi.ComponentResource {
  /** Secret. */
  public readonly sshPrivateKeyPem: pulumi.Output<string>;
  public readonly sshPublicKeyOpenssh: pulumi.Output<string>;
  public readonly caCertPem: pulumi.Output<string>;
  /** Secret. */
  public readonly caPrivateKeyPem: pulumi.Output<string>;

  constructor(name: string, args: PkiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:pki:Pki", name, {}, opts);
    const child = { parent: this };

    if (args.sshPrivateKeyPem !== undefined) {
      this.sshPrivateKeyPem = pulumi.secret(args.sshPrivateKeyPem);
      // Derived from a secret, so marked secret; a public key is not, and it goes into plain resource inputs.
      // ssh-keygen writes OpenSSH's own format unless asked for PEM; the tls provider reads each through its own input.
      const publicKey = getPublicKeyOutput(
        {
          privateKeyPem: this.sshPrivateKeyPem.apply((key) => (isOpensshKey(key) ? undefined : key)),
          privateKeyOpenssh: this.sshPrivateKeyPem.apply((key) => (isOpensshKey(key) ? key : undefined)),
        },
        child,
      );
      this.sshPublicKeyOpenssh = pulumi.unsecret(publicKey.publicKeyOpenssh);
    } else {
      // RSA rather than ED25519: every provider (Azure included) and every sshd accepts it.
      const key = new PrivateKey(`${name}-ssh`, { algorithm: "RSA", rsaBits: 4096 }, child);
      this.sshPrivateKeyPem = pulumi.secret(key.privateKeyPem);
      reportSecret(key.privateKeyPem);
      this.sshPublicKeyOpenssh = key.publicKeyOpenssh;
    }

    if ((args.caCertPem === undefined) !== (args.caKeyPem === undefined)) {
      throw new pulumi.ResourceError("hive:caCertPem and hive:caKeyPem must be given together", this);
    }
    if (args.caCertPem !== undefined && args.caKeyPem !== undefined) {
      this.caCertPem = pulumi.output(args.caCertPem);
      this.caPrivateKeyPem = pulumi.secret(args.caKeyPem);
    } else {
      const caKey = new PrivateKey(`${name}-ca`, { algorithm: "RSA", rsaBits: 4096 }, child);
      this.caPrivateKeyPem = pulumi.secret(caKey.privateKeyPem);
      reportSecret(caKey.privateKeyPem);
      const cert = new SelfSignedCert(
        `${name}-ca`,
        {
          privateKeyPem: this.caPrivateKeyPem,
          subject: caSubject(args.siteName),
          isCaCertificate: true,
          validityPeriodHours: CA_VALIDITY_HOURS,
          allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        },
        child,
      );
      this.caCertPem = cert.certPem;
    }

    this.registerOutputs({
      sshPrivateKeyPem: this.sshPrivateKeyPem,
      sshPublicKeyOpenssh: this.sshPublicKeyOpenssh,
      caCertPem: this.caCertPem,
      caPrivateKeyPem: this.caPrivateKeyPem,
    });
  }
}

/** Whether a private key is in OpenSSH's format rather than PEM. */
export function isOpensshKey(key: string): boolean {
  return key.trimStart().startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
}
