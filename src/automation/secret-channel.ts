// How a program run hands the secret values it meets to the runner that started it, so that the runner can
// mask them in everything the engine prints, without reading them back through CLI calls of its own.
//
// The runner makes a named pipe in its private folder and names it in the CLI's environment, which the
// language host passes on to the program. The program writes each value it learns (the stack's secret
// config at its start, the previous update's secret outputs, generated passwords and keys as they resolve)
// before it hands that value to the engine in a resource's inputs. Whatever the engine prints later was
// therefore written to the pipe before, so the runner empties the pipe each time before it passes on
// what it has read from the engine. Nothing of it touches a disk.
import { spawnSync } from "node:child_process";
import { closeSync, constants, openSync, readSync, writeSync } from "node:fs";
import * as path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { lineSplitter } from "./lines";

/** Names the pipe in the environment of the CLI and, through the language host, of the program. */
export const SECRETS_PIPE_ENV = "HIVE_SECRETS_PIPE";

/** How long the program waits for room in a full pipe (the runner empties it at least every 100 ms). */
const WRITE_PATIENCE_MS = 60_000;

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** The runner's end: a pipe in `dir` (a folder only this user can read) that it reads without waiting. */
export class SecretPipe {
  readonly path: string;
  private readonly fd: number;
  private readonly buffer = Buffer.alloc(1 << 16);
  /** Keeps a character cut at the end of a read for the next one. */
  private readonly decoder = new StringDecoder("utf8");
  /** Values of the whole lines read, until drain() hands them on. */
  private received: string[] = [];
  private readonly lines = lineSplitter((line) => {
    if (line !== "") this.received.push(...(JSON.parse(line) as string[]));
  });

  constructor(dir: string) {
    this.path = path.join(dir, "secrets.pipe");
    const made = spawnSync("mkfifo", ["-m", "600", this.path], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`cannot make the secrets pipe ${this.path}: ${made.stderr || made.error?.message}`);
    // Open for reading before the program starts: its open for writing then never waits, and finds a reader.
    this.fd = openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
  }

  /** The values written since the last call (none when the program has written nothing more). */
  drain(): string[] {
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      } catch (err) {
        if (errorCode(err) === "EAGAIN") break;
        throw err;
      }
      if (n === 0) break; // no writer (yet, or any more)
      this.lines.push(this.decoder.write(this.buffer.subarray(0, n)));
    }
    const values = this.received;
    this.received = [];
    return values;
  }

  close(): void {
    closeSync(this.fd);
  }
}

let writer: { fd: number; sent: Set<string> } | undefined;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The program's end: hands `values` to the runner when the run has a secrets pipe (nothing otherwise: a
 * bare `pulumi up`, or `hive plan`). Throws when the pipe is named but cannot be written: then the runner
 * could not mask the values, and the program must stop before any of them reaches the engine.
 */
export function reportSecrets(values: Iterable<string>, env: NodeJS.ProcessEnv = process.env): void {
  const pipe = env[SECRETS_PIPE_ENV];
  if (pipe === undefined || pipe === "") return;
  // Not blocking: a runner that has gone away is an error here, not a program that hangs.
  writer ??= { fd: openSync(pipe, constants.O_WRONLY | constants.O_NONBLOCK), sent: new Set() };
  const fresh = [...new Set(values)].filter((v) => v !== "" && !writer!.sent.has(v));
  if (fresh.length === 0) return;
  const message = Buffer.from(`${JSON.stringify(fresh)}\n`, "utf8");
  const deadline = Date.now() + WRITE_PATIENCE_MS;
  for (let offset = 0; offset < message.length; ) {
    try {
      offset += writeSync(writer.fd, message, offset);
    } catch (err) {
      if (errorCode(err) !== "EAGAIN" || Date.now() > deadline) throw new Error(`cannot hand secret values to hive through ${pipe}: ${String(err)}`);
      sleepSync(10);
    }
  }
  for (const v of fresh) writer.sent.add(v);
}
