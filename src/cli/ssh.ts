// `hive ssh`: the per-stage context directory (ssh_config + private key) and the ssh command line.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface SshContext {
  readonly dir: string;
  readonly configPath: string;
  readonly keyPath: string;
  readonly knownHostsPath: string;
}

/** `<root>/.hive/<stage>`, hive-builder's context directory. */
export function contextDir(root: string, stage: string): string {
  return join(root, ".hive", stage);
}

/**
 * Points every `IdentityFile` and `UserKnownHostsFile` line of the stack's ssh_config at the files of
 * the context directory (the program cannot know where the CLI runs).
 */
export function localizeSshConfig(sshConfig: string, ctx: Pick<SshContext, "keyPath" | "knownHostsPath">): string {
  return sshConfig
    .replace(/^(\s*IdentityFile)\s+.*$/gm, `$1 ${ctx.keyPath}`)
    .replace(/^(\s*UserKnownHostsFile)\s+.*$/gm, `$1 ${ctx.knownHostsPath}`);
}

/** Writes ssh_config and the private key with mode 0600 in a 0700 directory. */
export function writeSshContext(dir: string, sshConfig: string, privateKey: string): SshContext {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const ctx: SshContext = {
    dir,
    configPath: join(dir, "ssh_config"),
    keyPath: join(dir, "id_hive"),
    knownHostsPath: join(dir, "known_hosts"),
  };
  writePrivate(ctx.keyPath, privateKey.endsWith("\n") ? privateKey : `${privateKey}\n`);
  writePrivate(ctx.configPath, localizeSshConfig(sshConfig, ctx));
  return ctx;
}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its old mode on write
}

/** Host aliases declared in an ssh_config, in order. */
export function sshHosts(sshConfig: string): string[] {
  return [...sshConfig.matchAll(/^\s*Host\s+(\S+)/gm)].map((m) => m[1]);
}

export interface SshOptions {
  /** Target host alias; default the last one (the repository server, as hive-builder). */
  readonly target?: string;
  /** Forward the Zabbix web UI (port 10052 on the target) to localhost:<zabbixPort>. */
  readonly zabbix?: boolean;
  readonly zabbixPort?: number;
  /** Extra `-L` specifications. */
  readonly forwards?: readonly string[];
  /** Command to run instead of a login shell. */
  readonly command?: readonly string[];
}

/** The argv for `ssh` (without the program name). Throws when the target is not a host of the stage. */
export function sshArgs(ctx: Pick<SshContext, "configPath">, sshConfig: string, opts: SshOptions): string[] {
  const hosts = sshHosts(sshConfig);
  if (hosts.length === 0) throw new Error("the stack's ssh_config names no host: run `hive build-infra` first");
  const target = opts.target ?? hosts[hosts.length - 1];
  if (!hosts.includes(target)) {
    throw new Error(`unknown host ${target}: the stage has ${hosts.join(", ")}`);
  }
  const args = ["-F", ctx.configPath];
  if (opts.zabbix) args.push("-L", `localhost:${opts.zabbixPort ?? 10052}:${target}:10052`);
  for (const spec of opts.forwards ?? []) args.push("-L", spec);
  args.push(target);
  if (opts.command && opts.command.length > 0) args.push("--", ...opts.command);
  return args;
}
