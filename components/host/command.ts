// Creates the remote command of one planned step.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { StepPlan } from "./steps";
import { remoteCommand, scriptText, secretsStdin } from "./remote";
import { reportSecret } from "../secret-report";

/** How the program reaches a server. */
export interface HostConnection {
  readonly host: pulumi.Input<string>;
  readonly user: string;
  readonly privateKey: pulumi.Input<string>;
}

/** Fresh cloud servers take a while to accept SSH: retry for about 15 minutes. */
export const DIAL_ERROR_LIMIT = 30;
export const PER_DIAL_TIMEOUT = 30;

export function connectionArgs(c: HostConnection): command.types.input.remote.ConnectionArgs {
  return {
    host: c.host,
    user: c.user,
    privateKey: pulumi.secret(c.privateKey),
    dialErrorLimit: DIAL_ERROR_LIMIT,
    perDialTimeout: PER_DIAL_TIMEOUT,
  };
}

export interface StepValues {
  /** Deploy-time plain values for `plan.inputs`. */
  readonly inputs?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Secret values for `plan.secrets`. */
  readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
}

function checkNames(what: string, wanted: readonly string[], given: Readonly<Record<string, unknown>>, step: string): void {
  const have = Object.keys(given).sort();
  const want = [...wanted].sort();
  if (have.join(",") !== want.join(",")) {
    throw new Error(`step ${step}: ${what} ${JSON.stringify(want)} expected, got ${JSON.stringify(have)}`);
  }
}

/**
 * One `command.remote.Command` for a step; `dependsOn` comes from the caller.
 *
 * The step's script and plain parameters are its `create` text and its secrets are its `stdin`, and it has
 * no `triggers`: the command provider replaces a command whose triggers change (create of the new, then
 * delete of the old), but *updates* one whose create/stdin change, running `create` again (no separate
 * `update` text: it would be stored twice more in the state, for nothing). So a
 * changed script or parameter runs the step again on the server and never runs its delete. A step with a
 * delete is also given its resource name (`HIVE_OWNER`): its script claims what it made under that name
 * and its delete undoes only its own claim, so a renamed step's old delete leaves the new one's work alone;
 * a forced replacement deletes first (`deleteBeforeReplace`). See components/host/README.md.
 */
export function stepCommand(
  name: string,
  step: StepPlan,
  connection: HostConnection,
  values: StepValues,
  opts: pulumi.CustomResourceOptions,
): command.remote.Command {
  const inputs = values.inputs ?? {};
  const secrets = values.secrets ?? {};
  checkNames("inputs", step.inputs, inputs, step.step);
  checkNames("secrets", step.secrets, secrets, step.step);
  const script = scriptText(step.kind);
  const asRoot = connection.user === "root";
  const deleteEnv = step.deleteEnv;
  const owner: Record<string, string> = deleteEnv === null ? {} : { HIVE_OWNER: name };
  const env = pulumi.all(inputs).apply((dynamic) => ({ ...step.env, ...owner, ...dynamic }) as Record<string, string>);
  const stdin = step.secrets.length > 0 ? pulumi.secret(pulumi.all(secrets).apply((v) => secretsStdin(v as Record<string, string>))) : undefined;
  const create = env.apply((e) => remoteCommand(step.step, script, e, asRoot));
  const made = new command.remote.Command(
    name,
    {
      connection: connectionArgs(connection),
      create,
      delete: deleteEnv === null ? undefined : env.apply((e) => remoteCommand(step.step, script, { ...e, ...deleteEnv }, asRoot)),
      stdin,
      // The provider would pass the previous output through SSH setenv, which sshd refuses by default.
      addPreviousOutputInEnv: false,
      logging: step.secretStdout ? "stderr" : undefined,
    },
    pulumi.mergeOptions(opts, {
      deleteBeforeReplace: deleteEnv !== null,
      additionalSecretOutputs: step.secretStdout ? ["stdout"] : undefined,
    }),
  );
  // A secret the step prints (a join token) reaches the runner before the steps that use it run.
  if (step.secretStdout) reportSecret(made.stdout);
  return made;
}
