// The site key's way in to a prepared server: a local command (components/infra/scripts/admin-access.sh)
// that logs in with what works, installs the site key and retires the key it replaces; its delete gives
// password login back where the root password opened the server.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Command as LocalCommand } from "@pulumi/command/local/command";
import { secretsStdin } from "../host/remote";

const script = (name: string) => fs.readFileSync(path.join(__dirname, "scripts", name), "utf8");
export const ACCESS_SCRIPT = script("admin-access.sh");
export const ADMIN_USER_SCRIPT = script("admin-user.sh");

export interface AdminAccessArgs {
  /** Address hive connects to. */
  readonly host: pulumi.Input<string>;
  readonly adminUser: string;
  /** The site's private key (secret). */
  readonly siteKey: pulumi.Input<string>;
  /** The key the site key replaces, to log in with and then retire (secret). */
  readonly retiredKey?: pulumi.Input<string | undefined>;
  /** Root password of the server (secret). */
  readonly rootPassword?: pulumi.Input<string>;
}

/** Standard input of the access script: its secrets, only those that are set. */
export function accessStdin(secrets: { siteKey: string; retiredKey?: string; rootPassword?: string }): string {
  const present: Record<string, string> = { HIVE_KEY: secrets.siteKey };
  if (secrets.retiredKey) present.HIVE_RETIRED_KEY = secrets.retiredKey;
  if (secrets.rootPassword) present.HIVE_ROOT_PASSWORD = secrets.rootPassword;
  return secretsStdin(present);
}

/**
 * The command's texts carry the scripts and plain parameters, its stdin the secrets; no triggers, so a
 * new key or script updates it (runs grant again) and only its removal runs the delete (release).
 */
export function adminAccess(name: string, args: AdminAccessArgs, opts: pulumi.CustomResourceOptions): LocalCommand {
  const stdin = pulumi
    .all([args.siteKey, args.retiredKey, args.rootPassword])
    .apply(([siteKey, retiredKey, rootPassword]) => accessStdin({ siteKey, retiredKey: retiredKey ?? undefined, rootPassword }));
  const environment = { HIVE_HOST: args.host, HIVE_ADMIN_USER: args.adminUser, HIVE_USER_SCRIPT: ADMIN_USER_SCRIPT };
  const grant = `HIVE_ACTION=grant\n${ACCESS_SCRIPT}`;
  return new LocalCommand(
    name,
    {
      interpreter: ["/bin/bash", "-c"],
      create: grant,
      delete: `HIVE_ACTION=release\nHIVE_DIAL_TRIES=3\n${ACCESS_SCRIPT}`,
      environment,
      stdin: pulumi.secret(stdin),
      addPreviousOutputInEnv: false,
    },
    opts,
  );
}

/** Site keys stored by the previous update (its stack outputs). */
export interface PreviousKeys {
  readonly sshPrivateKey?: string;
  readonly sshRetiredKey?: string;
}

/**
 * The key the servers may still trust besides the site key: the previous update's key when it differs
 * (a rotation), else the one that update retired, so the inputs stay the same on the update after.
 */
export function keyToRetire(siteKey: string, previous: PreviousKeys): string | undefined {
  for (const key of [previous.sshPrivateKey, previous.sshRetiredKey]) {
    if (key !== undefined && key !== "" && key.trim() !== siteKey.trim()) return key;
  }
  return undefined;
}
