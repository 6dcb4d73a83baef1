// How a script file becomes the command text of a `command.remote.Command`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { shellQuote } from "../shell";

/** SSH access to a server: the same shape the host setup uses. */
export type { HostConnection } from "../host/command";

export { shellQuote };

/** Reads a script shipped with the components (`components/<module>/scripts/<file>`). */
export function readScript(module: string, file: string): string {
  return readFileSync(join(__dirname, "..", module, "scripts", file), "utf8");
}

/** A script that applies roles with Ansible: the shared helpers (services/scripts/ansible-roles.sh) in front of it. */
export function readRolesScript(module: string, file: string): string {
  return `${readScript("services", "ansible-roles.sh")}\n${readScript(module, file)}`;
}

const EOF_MARK = "HIVE_SCRIPT_EOF";

/**
 * The command text: the script with an `export` header for its parameters, passed to `bash -c` (under
 * `sudo -n` when it needs root). Using `bash -c` instead of `bash -s` keeps the command's stdin free, so
 * secrets go in through stdin and never into the command text or the environment header.
 * Parameters must not be secret: the text is stored in the state and shown in previews.
 */
export function remoteScript(script: string, env: { readonly [name: string]: string }, opts: { sudo?: boolean } = {}): string {
  if (script.split("\n").includes(EOF_MARK)) throw new Error(`script contains the line ${EOF_MARK}`);
  const header = Object.entries(env)
    .map(([k, v]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new Error(`bad environment variable name ${k}`);
      return `export ${k}=${shellQuote(v)}`;
    })
    .join("\n");
  const body = script.startsWith("#!") ? script.slice(script.indexOf("\n") + 1) : script;
  const runner = opts.sudo ? "sudo -n bash -c" : "bash -c";
  return `${runner} "$(cat <<'${EOF_MARK}'\n${header}\n${body.replace(/\n+$/, "")}\n${EOF_MARK}\n)"`;
}

/**
 * The command text of a step that cannot run (its roles are missing): it fails with `message` when the engine
 * runs it, so planning and previewing need nothing and only the update that reaches the step stops there.
 */
export function failingCommand(message: string): string {
  return remoteScript('echo "hive: $HIVE_ERROR" >&2\nexit 1\n', { HIVE_ERROR: message });
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
