// `hive ssh`: writes the stage's ssh_config and key to .hive/<stage>/ and runs ssh with them.
import { InvalidArgumentError, type Command } from "commander";
import { CliError, readSettings, resolveStage } from "../context";
import type { CliDeps } from "../deps";
import { contextDir, sshArgs, writeSshContext } from "../ssh";

export interface SshCliOptions {
  stage?: string;
  target?: string;
  zabbix?: boolean;
  zabbixPort?: number;
  forward?: string[];
}

/** The program's stack outputs `hive ssh` uses (`ssh_config` is accepted too, for older stacks). */
export const SSH_CONFIG_OUTPUT = "sshConfig";
export const SSH_KEY_OUTPUT = "sshPrivateKey";

/** Writes the context and returns the ssh argv; the exec is the caller's. */
export async function prepareSsh(opts: SshCliOptions, command: readonly string[], deps: CliDeps): Promise<string[]> {
  const stage = resolveStage(opts.stage, readSettings(deps.root));
  deps.checkPulumi();
  const outputs = await deps.access().rawOutputs(stage);
  const config = (outputs[SSH_CONFIG_OUTPUT] ?? outputs.ssh_config)?.value;
  const key = outputs[SSH_KEY_OUTPUT]?.value;
  if (typeof config !== "string" || typeof key !== "string") {
    throw new CliError(`stage ${stage} has no ${SSH_CONFIG_OUTPUT}/${SSH_KEY_OUTPUT} outputs yet: run \`hive build-infra -s ${stage}\` first`);
  }
  const ctx = writeSshContext(contextDir(deps.root, stage), config, key);
  try {
    return sshArgs(ctx, config, {
      target: opts.target,
      zabbix: opts.zabbix || opts.zabbixPort !== undefined,
      zabbixPort: opts.zabbixPort,
      forwards: opts.forward,
      command,
    });
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`${value} is not a port number`);
  return n;
}

export function registerSshCommand(program: Command, deps: () => CliDeps): void {
  program
    .command("ssh")
    .description("log in to a server of the stage (default: the last one, the repository server) with the stack's ssh_config and key")
    .option("-s, --stage <stage>", "stage: private, staging or production; default: `hive set stage`, else private")
    .option("-t, --target <host>", "host alias from the stage's ssh_config (default: the last host)")
    .option("-z, --zabbix", "forward the Zabbix web UI to http://localhost:10052")
    .option("-Z, --zabbix-port <port>", "local port for -z (implies -z)", port)
    .option("-L, --forward <spec>", "extra ssh -L forwarding, e.g. 8080:localhost:80; repeatable", (v: string, prev: string[] = []) => [...prev, v])
    .argument("[command...]", "command to run on the host instead of a login shell (after --)")
    .addHelpText(
      "after",
      "\nThe ssh_config and private key are written to .hive/<stage>/ (mode 0600).\n\nExamples:\n  hive ssh -s staging\n  hive ssh -t s-hive0 -- docker service ls\n  hive ssh -z        # then open http://localhost:10052",
    )
    .action(async (command: string[], opts: SshCliOptions) => {
      const d = deps();
      const args = await prepareSsh(opts, command, d);
      const code = await d.exec("ssh", args);
      if (code !== 0) throw new CliError(`ssh exited with status ${code}`, code);
    });
}
