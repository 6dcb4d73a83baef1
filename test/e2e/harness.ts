// Shared helpers of the end-to-end suite: the environment of scripts/e2e/env.sh, a scratch
// Pulumi project wired to the repository's node_modules, and a `pulumi` runner.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repoRoot = resolve(__dirname, "..", "..");

/** The variables scripts/e2e/env.sh exports, read by sourcing it in bash. */
export function loadE2eEnv(stateDir: string): NodeJS.ProcessEnv {
  const result = spawnSync("bash", ["-c", `. "${join(repoRoot, "scripts/e2e/env.sh")}" && env -0`], {
    env: { ...process.env, HIVE_E2E_STATE: stateDir },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`env.sh failed: ${result.stderr}`);
  const env: NodeJS.ProcessEnv = {};
  for (const entry of result.stdout.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** Why the suite cannot run against the built engine, or undefined when it can. */
export function engineMissingReason(env: NodeJS.ProcessEnv): string | undefined {
  const bin = env.HIVE_ENGINE_BIN ?? "";
  for (const tool of ["pulumi", "pulumi-language-nodejs"]) {
    if (!existsSync(join(bin, tool))) {
      return `${join(bin, tool)} is missing: run scripts/e2e/build-engine.sh first`;
    }
  }
  return undefined;
}

export function hasPlugin(env: NodeJS.ProcessEnv, name: string): boolean {
  return existsSync(join(env.HIVE_ENGINE_BIN ?? "", `pulumi-resource-${name}`));
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `pulumi` in `cwd`; `input` goes to its stdin (how secrets are passed). */
export function pulumi(env: NodeJS.ProcessEnv, cwd: string, args: string[], input?: string): RunResult {
  const result = spawnSync("pulumi", [...args, "--non-interactive"], {
    cwd,
    env,
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like `pulumi` but throws with the whole output when the command fails. */
export function pulumiOk(env: NodeJS.ProcessEnv, cwd: string, args: string[], input?: string): RunResult {
  const result = pulumi(env, cwd, args, input);
  if (result.status !== 0) {
    throw new Error(`pulumi ${args.join(" ")} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/**
 * A scratch Node.js Pulumi project in a new temporary folder: the given files, a Pulumi.yaml
 * with the runtime options of the hive project (TypeScript through tsx, no ts-node), and the
 * repository's node_modules linked in.
 */
export function scratchProject(name: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), `hive-e2e-${name}-`));
  writeFileSync(
    join(dir, "Pulumi.yaml"),
    [
      `name: ${name}`,
      "runtime:",
      "  name: nodejs",
      "  options:",
      "    typescript: false",
      '    nodeargs: "--import tsx"',
      "main: index.ts",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name, private: true }, null, 2)}\n`);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  symlinkSync(realpathSync(join(repoRoot, "node_modules")), join(dir, "node_modules"));
  return dir;
}
