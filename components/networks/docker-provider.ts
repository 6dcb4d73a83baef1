// Docker providers that reach a hive's daemon over SSH.
//
// Decision: SSH (`ssh://<user>@<ip>`) rather than TLS on 2376, because the SSH key already exists for every
// other remote step and the TLS client certificate would have to be issued for the machine running Pulumi.
// The docker provider's SSH transport runs the local `ssh` client, which needs the key as a file: the key is
// written once per runner to a file (mode 0600) named by the hash of the key, and only the *path* goes into
// the provider configuration (and so into the state). The key text itself stays a secret Output.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import { sha256 } from "../services/remote-script";

/** Writes the key to `<tmp>/hive-ssh-keys/<hash>` (0600) and returns the path. */
export function writePrivateKeyFile(privateKey: pulumi.Input<string>, dir: string = join(tmpdir(), "hive-ssh-keys")): pulumi.Output<string> {
  return pulumi.unsecret(
    pulumi.output(privateKey).apply((key) => {
      const path = join(dir, sha256(key).slice(0, 20));
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(path, key.endsWith("\n") ? key : `${key}\n`, { mode: 0o600 });
      return path;
    }),
  );
}

/**
 * Provider arguments for one hive. Host keys are not pinned: servers are re-created by the stage itself and the
 * connection goes to the private or public address the infrastructure layer reported, so a known_hosts file
 * would only go stale; `BatchMode` makes a missing key fail instead of prompting.
 */
export function dockerProviderArgs(host: pulumi.Input<string>, user: pulumi.Input<string>, keyPath: pulumi.Input<string>): docker.ProviderArgs {
  return {
    host: pulumi.interpolate`ssh://${user}@${host}`,
    // The provider would reach the daemon as soon as it is configured; every resource that uses it waits
    // for the host setup itself, so the provider does not have to (and a phase command on a new stack,
    // where the engine configures every provider, does not need the hosts to exist).
    disableDockerDaemonCheck: true,
    sshOpts: pulumi.all([keyPath]).apply(([path]) => [
      "-i",
      path,
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "BatchMode=yes",
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
    ]),
  };
}
