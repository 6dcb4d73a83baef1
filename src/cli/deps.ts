// Everything a command touches outside its own arguments, so tests can replace each part.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { StackRunner } from "../automation/types";
import { checkPulumi } from "./context";
import { LocalStackRunner, PROJECT_ROOT } from "../automation/local";
import { HIVE_BIN, LocalStackAccess, plannedResourcesVia, type PlannedResources, type StackAccess } from "./stack-access";

export interface CliDeps {
  /** The project root: Pulumi.yaml, Pulumi.<stage>.yaml, .hive/. */
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
  /** Whether a person can answer a question (stdin and stdout are terminals). */
  readonly isTTY: boolean;
  confirm(question: string): Promise<boolean>;
  /** Throws a CliError (exit 2) without a Pulumi CLI; returns its path. */
  checkPulumi(): string;
  runner(): StackRunner;
  access(): StackAccess;
  plannedResources: PlannedResources;
  /** Standard input, whole (secret values that must not appear on a command line). */
  readStdin(): Promise<string>;
  /** Runs a program with the terminal attached; resolves to its exit code. */
  exec(command: string, args: readonly string[]): Promise<number>;
  /** A signal aborted on Ctrl-C (asks the engine to stop cleanly); called only by long operations. */
  interruptSignal?(): AbortSignal;
}

function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    rl.question(`${question} [y/N] `, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
  });
}

/** The checkout holding Pulumi.yaml (this file is src/cli/deps.ts). */

export function defaultDeps(root = PROJECT_ROOT): CliDeps {
  let interrupt: AbortController | undefined;
  return {
    root,
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTTY: process.stdin.isTTY === true && process.stderr.isTTY === true,
    confirm: ask,
    checkPulumi: () => checkPulumi(process.env),
    runner: () => new LocalStackRunner({ workDir: root }),
    access: () => new LocalStackAccess(root),
    plannedResources: plannedResourcesVia(HIVE_BIN, root),
    readStdin: () =>
      new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        process.stdin.on("data", (c: Buffer) => chunks.push(c));
        process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        process.stdin.on("error", reject);
      }),
    exec: (command, args) =>
      new Promise((resolve, reject) => {
        const child = spawn(command, [...args], { stdio: "inherit" });
        child.on("error", reject);
        child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
      }),
    interruptSignal: () => {
      if (!interrupt) {
        const controller = (interrupt = new AbortController());
        process.once("SIGINT", () => controller.abort());
      }
      return interrupt.signal;
    },
  };
}
