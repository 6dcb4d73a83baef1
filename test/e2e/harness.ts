// Shared helpers of the end-to-end suite: the environment of scripts/e2e/env.sh, a scratch
// Pulumi project wired to the repository's node_modules, and a `pulumi` runner.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
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

/** The plugins the hive program asks for, at the versions of its npm SDKs. */
export const PROVIDERS = { command: "1.2.1", random: "4.21.2", tls: "5.6.1", docker: "5.2.0" } as const;

function onPath(env: NodeJS.ProcessEnv, file: string): boolean {
  return (env.PATH ?? "").split(":").some((dir) => dir !== "" && existsSync(join(dir, file)));
}

/** Whether a plugin is on PATH or installed in PULUMI_HOME (`pulumi plugin install`). */
export function hasPlugin(env: NodeJS.ProcessEnv, kind: "resource" | "language", name: string, version?: string): boolean {
  if (onPath(env, `pulumi-${kind}-${name}`)) return true;
  const dir = join(env.PULUMI_HOME ?? "", "plugins", `${kind}-${name}-v${version ?? ""}`);
  return version !== undefined && existsSync(join(dir, `pulumi-${kind}-${name}`));
}

/** What a machine lacks to run the suite on the real engine: one line each, with how to get it. */
export function missingForEngine(env: NodeJS.ProcessEnv, providers: readonly (keyof typeof PROVIDERS)[] = []): string[] {
  const missing: string[] = [];
  if (!existsSync(join(env.HIVE_ENGINE_BIN ?? "", "pulumi"))) missing.push(`the pulumi CLI ${env.HIVE_ENGINE_VERSION} (bash scripts/e2e/build-engine.sh)`);
  if (!hasPlugin(env, "language", "nodejs")) missing.push("the Node.js language host pulumi-language-nodejs on PATH (it ships with the pulumi CLI)");
  if (!hasPlugin(env, "resource", "pulumi-nodejs")) missing.push("pulumi-resource-pulumi-nodejs on PATH (the dynamic-provider launcher that ships with the language host)");
  for (const name of providers) {
    if (!hasPlugin(env, "resource", name, PROVIDERS[name])) {
      missing.push(`the ${name} provider ${PROVIDERS[name]} (pulumi plugin install resource ${name} v${PROVIDERS[name]}, or pulumi-resource-${name} on PATH)`);
    }
  }
  return missing;
}

/** Why the suite cannot run against the real engine, or undefined when it can. */
export function engineMissingReason(env: NodeJS.ProcessEnv, providers: readonly (keyof typeof PROVIDERS)[] = []): string | undefined {
  const missing = missingForEngine(env, providers);
  return missing.length === 0 ? undefined : `missing: ${missing.join("; ")}`;
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

/**
 * A copy of this checkout in a new temporary folder (node_modules linked), so that what the CLI and the
 * engine write beside Pulumi.yaml (stack files, .hive/) never touches the repository.
 */
export function projectCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "hive-e2e-project-"));
  for (const entry of ["bin", "components", "examples", "roles", "src", "package.json", "tsconfig.json", "Pulumi.yaml", "Pulumi.private.yaml", "Pulumi.staging.yaml", "Pulumi.production.yaml"]) {
    cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(realpathSync(join(repoRoot, "node_modules")), join(dir, "node_modules"));
  return dir;
}
