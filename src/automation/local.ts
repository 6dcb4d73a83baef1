// The real StackRunner: the `pulumi` CLI over the project's own Pulumi.yaml (the CLI runs the program in its
// own language-host process), driven the way the Automation API drives it — the same commands and flags,
// `--non-interactive`, the engine's event log — but with one CLI call per operation. The Automation API's
// `up` and `refresh` read the outputs (two calls) and the history (one more) after the engine has finished,
// and select the stack first: over a second of every update with nothing to do. Here the result comes from
// the engine's own events (its summary, the stack's outputs), a stack is created only when an operation
// finds none, and an operation that runs the program learns the secrets to mask from the program itself
// (secret-channel.ts) instead of three more calls that decrypt them.
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { setPriority, tmpdir } from "node:os";
import * as path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { lineSplitter } from "./lines";
import { SECRET_MASK, stringLeaves } from "./redact";
import { SecretPipe, SECRETS_PIPE_ENV } from "./secret-channel";
import { SDK_DEBUG_ENV } from "../sdk-debug";
import { INVENTORY_ENV, runsProgram, type EngineEventLike, type Operation, type PublicOutputs, type RunOptions, type RunResult, type StackRunner } from "./types";
import { resolveBackendUrl } from "./backend";

export interface LocalRunnerOptions {
  /** The folder holding Pulumi.yaml; default: the repository root. */
  workDir?: string;
  /** State backend; default PULUMI_BACKEND_URL, else file://<workDir>/.pulumi-state. */
  backendUrl?: string;
  /** Extra environment for the pulumi CLI (e.g. PULUMI_CONFIG_PASSPHRASE_FILE). */
  env?: Record<string, string>;
}

export const PROJECT_ROOT = path.resolve(__dirname, "../..");

export { resolveBackendUrl } from "./backend";


/** The key of a secret value in the engine's JSON (its "signature"); the event log masks what it holds. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** Outputs as the engine's events carry them, with every secret value (masked there already) as the mask. */
export function maskedOutputs(outputs: Record<string, unknown>): PublicOutputs {
  const mask = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(mask);
    if (v !== null && typeof v === "object") {
      if (SECRET_SIGNATURE in v) return SECRET_MASK;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(x)]));
    }
    return v;
  };
  return Object.fromEntries(Object.keys(outputs).sort().map((k) => [k, mask(outputs[k])]));
}

/**
 * Whether an engine event leaves the runner. Debug diagnostics do not: the Node.js SDK logs every
 * resource registration's response at that level, secret values in plain text (the private keys of the
 * site's certificates among them, which no redaction knows), and the CLI never shows them either.
 */
export function isReportedEvent(event: EngineEventLike): boolean {
  const diagnostic = event.diagnosticEvent as { severity?: string } | undefined;
  return diagnostic?.severity !== "debug";
}

/** Reads the engine's event log (one JSON event per line) as the CLI appends to it. */
class EventLogReader {
  private offset = 0;
  private readonly buffer = Buffer.alloc(1 << 16);
  /** Keeps a character cut at the end of a read for the next one. */
  private readonly decoder = new StringDecoder("utf8");
  private readonly lines: ReturnType<typeof lineSplitter>;

  constructor(
    private readonly file: string,
    onEvent: (event: EngineEventLike) => void,
    /** Runs after each read and before its events are delivered. */
    private readonly beforeDelivery: () => void,
  ) {
    this.lines = lineSplitter((line) => {
      if (line.trim() !== "") onEvent(JSON.parse(line) as EngineEventLike);
    });
  }

  /** Delivers every whole line written so far. */
  drain(): void {
    const text = this.read();
    this.beforeDelivery();
    this.lines.push(text);
  }

  private read(): string {
    let fd: number;
    try {
      fd = openSync(this.file, "r");
    } catch {
      return ""; // not created yet
    }
    let text = "";
    try {
      for (let n = readSync(fd, this.buffer, 0, this.buffer.length, this.offset); n > 0; n = readSync(fd, this.buffer, 0, this.buffer.length, this.offset)) {
        this.offset += n;
        text += this.decoder.write(this.buffer.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
    return text;
  }
}

interface CliCall {
  readonly args: readonly string[];
  /** Runs at a low CPU priority: a read beside an operation, which should not slow the engine down. */
  readonly background?: boolean;
  readonly env?: Record<string, string>;
  readonly onStdout?: (chunk: string) => void;
  readonly onStderr?: (chunk: string) => void;
  readonly signal?: AbortSignal;
}

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The nice value of background reads (the CLI's secrets read runs beside the engine on the same cores). */
const BACKGROUND_PRIORITY = 10;

/** Kept of the engine's display for an error message: its end holds the errors. */
const STDOUT_TAIL = 64 * 1024;

/** Raised for a CLI call that exits with an error; the message has the shape of the Automation API's. */
export class PulumiCliError extends Error {
  constructor(readonly result: CliResult) {
    super(`code: ${result.code}\n stdout: ${result.stdout}\n stderr: ${result.stderr}\n`);
  }
}

const NO_STACK = /no stack named '[^']*' found/;

export class LocalStackRunner implements StackRunner {
  private readonly workDir: string;
  private readonly envVars: Record<string, string>;
  /** Stack creations under way, by stage: one `stack init` even when several calls find no stack at once. */
  private readonly creating = new Map<string, Promise<void>>();

  constructor(options: LocalRunnerOptions = {}) {
    this.workDir = path.resolve(options.workDir ?? PROJECT_ROOT);
    const backend = resolveBackendUrl(this.workDir, options.backendUrl);
    this.envVars = { PULUMI_BACKEND_URL: backend, ...(options.env ?? {}) };
    // The CLI opens no file backend whose folder is missing (the default one of a new checkout).
    if (backend.startsWith("file://")) mkdirSync(backend.slice("file://".length).split("?")[0], { recursive: true });
  }

  /** One `pulumi` call in the project folder; rejects with a PulumiCliError when it exits with an error. */
  private cli(call: CliCall): Promise<CliResult> {
    const args = [...call.args, "--non-interactive"];
    const env = { ...process.env, PULUMI_DEBUG_COMMANDS: "true", PULUMI_AUTOMATION_API: "true", ...this.envVars, ...(call.env ?? {}) };
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", args, { cwd: this.workDir, env, stdio: ["ignore", "pipe", "pipe"] });
      if (call.background && child.pid !== undefined) {
        try {
          setPriority(child.pid, BACKGROUND_PRIORITY);
        } catch {
          // Not allowed here: it runs at the normal priority.
        }
      }
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout = (stdout + chunk).slice(-STDOUT_TAIL);
        call.onStdout?.(chunk);
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        call.onStderr?.(chunk);
      });
      // An abort asks the engine to stop cleanly, as Ctrl-C does; one that came before the start as well.
      const interrupt = () => child.kill("SIGINT");
      if (call.signal?.aborted) interrupt();
      else call.signal?.addEventListener("abort", interrupt, { once: true });
      child.on("error", (err) => reject(new PulumiCliError({ code: -2, stdout, stderr: `${stderr}${err.message}` })));
      child.on("close", (code) => {
        call.signal?.removeEventListener("abort", interrupt);
        const result = { code: code ?? -1, stdout, stderr };
        if (code === 0) resolve(result);
        else reject(new PulumiCliError(result));
      });
    });
  }

  /** Creates the stage's stack; a stack someone else created meanwhile is as good. */
  private create(stage: string): Promise<void> {
    let creation = this.creating.get(stage);
    if (creation === undefined) {
      creation = this.cli({ args: ["stack", "init", stage] }).then(
        () => undefined,
        (err: unknown) => {
          if (err instanceof PulumiCliError && /already exists/.test(err.result.stderr)) return;
          this.creating.delete(stage);
          throw err;
        },
      );
      this.creating.set(stage, creation);
    }
    return creation;
  }

  /**
   * A call on the stage's stack that creates the stack when it finds none, then runs once more; `run` is told
   * whether this is the first try, whose "no stack" error is then not an error.
   */
  private async onStack<T>(stage: string, run: (firstTry: boolean) => Promise<T>): Promise<T> {
    try {
      return await run(true);
    } catch (err) {
      if (!(err instanceof PulumiCliError && NO_STACK.test(err.result.stderr))) throw err;
    }
    await this.create(stage);
    return run(false);
  }

  /** Up and preview run the program, which reports the secrets it meets (see secret-channel.ts). */
  reportsSecrets(operation: Operation, opts: RunOptions): boolean {
    return runsProgram(operation, opts);
  }

  /**
   * Runs an engine operation with its event log: events (but debug diagnostics) reach `opts.onEvent` as they
   * come, stdout and stderr reach `opts.onOutput` as whole lines. A program run gets a secrets pipe: what
   * the program writes to it reaches `opts.onSecrets` before whatever the engine printed after it. Returns
   * the summary's resource changes and the stack's outputs as the engine reported them (null when the
   * operation ran no program).
   */
  private async engine(
    stage: string,
    args: string[],
    opts: RunOptions,
    program: { env: Record<string, string> } | null,
  ): Promise<{ changes: Record<string, number>; outputs: PublicOutputs | null }> {
    const emit = (line: string) => opts.onOutput?.(line);
    const stdout = lineSplitter(emit);
    let firstTry = true;
    const stderr = lineSplitter((line) => (firstTry && NO_STACK.test(line) ? undefined : emit(line)));
    let changes: Record<string, number> = {};
    let outputs: PublicOutputs | null = null;
    const onEvent = (event: EngineEventLike) => {
      const summary = event.summaryEvent as { resourceChanges?: Record<string, number> } | undefined;
      if (summary?.resourceChanges) changes = { ...summary.resourceChanges };
      const res = event.resOutputsEvent as { metadata?: { type?: string; new?: { outputs?: Record<string, unknown> } } } | undefined;
      if (res?.metadata?.type === "pulumi:pulumi:Stack" && res.metadata.new?.outputs) outputs = maskedOutputs(res.metadata.new.outputs);
      if (isReportedEvent(event)) opts.onEvent?.(event);
    };
    const common = [
      ...(opts.message ? ["--message", opts.message] : []),
      ...(opts.targets ?? []).flatMap((urn) => ["--target", urn]),
      ...(opts.parallel ? ["--parallel", String(opts.parallel)] : []),
      "--exec-kind",
      "auto.local",
      "--stack",
      stage,
    ];
    // The event log may hold debug diagnostics with secret values (hive's program sends none, a program of
    // another kind would): it lives in a folder only this user reads, with the secrets pipe, and is removed.
    const logDir = mkdtempSync(path.join(tmpdir(), "hive-events-"));
    let pipe: SecretPipe | undefined;
    try {
      let env: Record<string, string> = {};
      if (program !== null) {
        pipe = new SecretPipe(logDir);
        // The program need not send the SDK's debug messages, which this runner drops (isReportedEvent).
        env = { ...program.env, [SECRETS_PIPE_ENV]: pipe.path, [SDK_DEBUG_ENV]: "off" };
      }
      // Whatever the engine printed after the program wrote a secret is read after that secret.
      const takeSecrets = () => {
        const values = pipe?.drain() ?? [];
        if (values.length > 0) opts.onSecrets?.(values);
      };
      await this.onStack(stage, async (first) => {
        firstTry = first;
        const file = path.join(logDir, `${Date.now()}.jsonl`);
        const reader = new EventLogReader(file, onEvent, takeSecrets);
        const timer = setInterval(() => reader.drain(), 100);
        try {
          await this.cli({
            args: [...args, ...common, "--event-log", file],
            env,
            signal: opts.signal,
            onStdout: (chunk) => {
              takeSecrets();
              stdout.push(chunk);
            },
            onStderr: (chunk) => {
              takeSecrets();
              stderr.push(chunk);
            },
          });
        } finally {
          clearInterval(timer);
          reader.drain();
          stdout.flush();
          stderr.flush();
        }
      });
    } finally {
      pipe?.close();
      rmSync(logDir, { recursive: true, force: true });
    }
    return { changes, outputs };
  }

  /** The environment of a program run: update plans (experimental on older CLIs), `hive -i`'s inventory. */
  private static programEnv(opts: RunOptions): Record<string, string> {
    return {
      ...(opts.planFile !== undefined ? { PULUMI_EXPERIMENTAL: "true" } : {}),
      ...(opts.inventory !== undefined ? { [INVENTORY_ENV]: opts.inventory } : {}),
    };
  }

  async preview(stage: string, opts: RunOptions): Promise<RunResult> {
    const args = opts.destroy ? ["destroy", "--preview-only"] : ["preview", ...(opts.planFile !== undefined ? ["--save-plan", opts.planFile] : [])];
    const { changes } = await this.engine(stage, args, opts, runsProgram("preview", opts) ? { env: LocalStackRunner.programEnv(opts) } : null);
    return { status: "succeeded", changes };
  }

  async up(stage: string, opts: RunOptions): Promise<RunResult> {
    const args = ["up", "--yes", "--skip-preview", ...(opts.planFile !== undefined ? ["--plan", opts.planFile] : [])];
    const { changes, outputs } = await this.engine(stage, args, opts, { env: LocalStackRunner.programEnv(opts) });
    return { status: "succeeded", changes, outputs: outputs ?? (await this.outputs(stage)) };
  }

  async refresh(stage: string, opts: RunOptions): Promise<RunResult> {
    const { changes, outputs } = await this.engine(stage, ["refresh", "--yes", "--skip-preview"], opts, null);
    return { status: "succeeded", changes, outputs: outputs ?? (await this.outputs(stage)) };
  }

  async destroy(stage: string, opts: RunOptions): Promise<RunResult> {
    const { changes } = await this.engine(stage, ["destroy", "--yes", "--skip-preview"], opts, null);
    return { status: "succeeded", changes };
  }

  /** Reading never creates a stack: a missing one is an error. */
  async outputs(stage: string): Promise<PublicOutputs> {
    const masked = await this.cli({ args: ["stack", "output", "--json", "--stack", stage] });
    return maskedOutputs(JSON.parse(masked.stdout) as Record<string, unknown>);
  }

  async secretValues(stage: string): Promise<string[]> {
    // Three reads at once, at a low priority: they run while the operation starts, which needs the CPU more
    // (what the operation prints waits for them; measured, this takes 0.2 s off an update with nothing to do).
    const read = (args: string[]) =>
      this.onStack(stage, () => this.cli({ args: [...args, "--stack", stage], background: true })).then((r) => JSON.parse(r.stdout) as Record<string, unknown>);
    const [masked, plain, config] = await Promise.all([
      read(["stack", "output", "--json"]),
      read(["stack", "output", "--json", "--show-secrets"]),
      read(["config", "--json", "--show-secrets"]),
    ]);
    const settings = Object.values(config as Record<string, { value?: unknown; secret?: boolean }>);
    return [...secretLeaves(masked, plain), ...settings.filter((c) => c.secret).flatMap((c) => stringLeaves(c.value))];
  }

  async cancel(stage: string): Promise<void> {
    // `pulumi cancel` also removes a DIY backend's stale lock files.
    await this.cli({ args: ["cancel", "--yes", "--stack", stage] });
  }
}

/** The string leaves of `plain` wherever `masked`, the same value as the CLI shows it, has the mask. */
export function secretLeaves(masked: unknown, plain: unknown): string[] {
  if (masked === SECRET_MASK && plain !== SECRET_MASK) return stringLeaves(plain);
  if (masked !== null && typeof masked === "object" && plain !== null && typeof plain === "object") {
    return Object.keys(masked).flatMap((k) => secretLeaves((masked as Record<string, unknown>)[k], (plain as Record<string, unknown>)[k]));
  }
  return [];
}

/** Worker entry point convention (see RunnerSpec). */
export function createRunner(options?: LocalRunnerOptions): StackRunner {
  return new LocalStackRunner(options ?? {});
}
