// Creates the remote command of one planned step.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { StepPlan } from "./steps";
import { remoteCommand, scriptText, secretsDigest, secretsStdin, stepTrigger } from "./remote";

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

/** One `command.remote.Command` for a step; `dependsOn` comes from the caller. */
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
  const env = pulumi.all(inputs).apply((dynamic) => ({ ...step.env, ...dynamic }) as Record<string, string>);
  const triggers: pulumi.Input<string>[] = [env.apply((e) => stepTrigger(script, e))];
  let stdin: pulumi.Output<string> | undefined;
  if (step.secrets.length > 0) {
    const values = pulumi.all(secrets);
    stdin = pulumi.secret(values.apply((v) => secretsStdin(v as Record<string, string>)));
    triggers.push(pulumi.secret(values.apply((v) => secretsDigest(v as Record<string, string>))));
  }
  const deleteEnv = step.deleteEnv;
  const create = env.apply((e) => remoteCommand(step.step, script, e, asRoot));
  return new command.remote.Command(
    name,
    {
      connection: connectionArgs(connection),
      create,
      // A changed step runs its (idempotent) script again as an update: without an update command the
      // provider would replace the resource, running the old delete (e.g. compose down) after the new create.
      update: create,
      delete: deleteEnv === null ? undefined : env.apply((e) => remoteCommand(step.step, script, { ...e, ...deleteEnv }, asRoot)),
      stdin,
      triggers,
      logging: step.secretStdout ? "stderr" : undefined,
    },
    pulumi.mergeOptions(opts, {
      deleteBeforeReplace: step.deleteBeforeReplace,
      additionalSecretOutputs: step.secretStdout ? ["stdout"] : undefined,
    }),
  );
}
