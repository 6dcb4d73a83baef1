// Runs the real setup scripts, exactly as the program sends them (helpers + script behind
// `sudo -n env … bash -c`), against stub system tools that record calls and simulate a machine.
// Nothing touches the real system: file paths go under ROOT, tools are the stubs in ./stubs.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, lstatSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import assert from "node:assert/strict";
import { remoteCommand, scriptText, secretsStdin, type ScriptKind } from "../../components/host/remote";

export const STUBBED = [
  "sudo", "sleep", "sshd", "rsyslogd", "rpm", "dpkg-query", "dpkg", "dnf", "apt-get", "add-apt-repository", "systemctl",
  "hostnamectl", "timedatectl", "localectl", "getenforce", "setenforce", "update-ca-trust", "update-ca-certificates", "id",
  "usermod", "lsmod", "modprobe", "blockdev", "blkid", "parted", "pvs", "pvcreate", "vgs", "vgcreate", "lvs", "lvcreate",
  "htpasswd", "iptables", "iptables-restore", "curl", "docker", "mkdir", "mv", "getent", "groupadd", "useradd", "chown",
  "python3", "python3.12", "ip", "arping", "ping", "modinfo",
];

const STUB = join(__dirname, "stubs", "stub.sh");

/**
 * The only real programs on a simulated machine's PATH: tools that read or write the files they are
 * given (all under ROOT or the stub state). Any other program a script calls is "command not found",
 * so a new script cannot touch the real system from a test.
 */
export const REAL_TOOLS = [
  "bash", "env", "cat", "sed", "awk", "grep", "tr", "cut", "head", "tail", "sort", "wc", "find", "stat", "chmod", "rm",
  "touch", "ln", "readlink", "basename", "dirname", "mktemp", "base64", "sha256sum", "jq", "date", "gzip", "gunzip", "tar",
  "install", "cmp", "flock", "cp",
];

function realTool(name: string): string {
  for (const dir of ["/usr/bin", "/bin", "/usr/local/bin"]) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} is not installed`);
}

/** The operating systems the scripts support, as their os-release files say. */
export const OS_RELEASE = {
  el8: 'NAME="AlmaLinux"\nVERSION="8.10 (Cerulean Leopard)"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="8.10"\n',
  el9: 'NAME="AlmaLinux"\nVERSION="9.5 (Teal Serval)"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.5"\n',
  el10: 'NAME="Red Hat Enterprise Linux"\nVERSION="10.1 (Coughlan)"\nID="rhel"\nID_LIKE="centos fedora"\nVERSION_ID="10.1"\n',
  ubuntu24: 'NAME="Ubuntu"\nVERSION="24.04.1 LTS (Noble Numbat)"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\n',
  debian13: 'NAME="Debian GNU/Linux"\nVERSION="13 (trixie)"\nID=debian\nVERSION_ID="13"\nVERSION_CODENAME=trixie\n',
} as const;
export type OsFamily = keyof typeof OS_RELEASE;
export const ALL_OS = Object.keys(OS_RELEASE) as OsFamily[];

/** The family a script branches on: el (dnf, rpm) or debian (apt, dpkg). */
export function familyOf(os: OsFamily): "el" | "debian" {
  return os.startsWith("el") ? "el" : "debian";
}

export interface Call {
  /** M: mutating tool call, R: read-only, F: failed on purpose, P: file tool passed through. */
  readonly kind: "M" | "R" | "F" | "P";
  readonly line: string;
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Calls of this run only. */
  readonly calls: readonly Call[];
  /** Mutating calls of this run (stub calls that change the simulated machine). */
  readonly mutations: readonly string[];
  /** The exact command text that was run. */
  readonly command: string;
}

/** A simulated machine: a ROOT tree, stub state and a bin directory of stubs. */
export class Machine {
  readonly dir: string;
  readonly root: string;
  readonly state: string;
  readonly bin: string;
  readonly tools: string;

  constructor(readonly os: OsFamily = "el9") {
    this.dir = mkdtempSync(join(tmpdir(), "hive-script-"));
    this.root = join(this.dir, "root");
    this.state = join(this.dir, "state");
    this.bin = join(this.dir, "bin");
    this.tools = join(this.dir, "tools");
    for (const d of [this.root, this.state, this.bin, this.tools, join(this.root, "etc"), join(this.root, "tmp")]) mkdirSync(d, { recursive: true });
    writeFileSync(join(this.root, "etc/os-release"), OS_RELEASE[os]);
    // A Debian or Ubuntu server has package lists already (a fresh one without is a case of its own).
    if (familyOf(os) === "debian") this.file("var/lib/apt/lists/deb.debian.org_debian_dists_main_binary-amd64_Packages", "");
    writeFileSync(join(this.state, "calls.log"), "");
    for (const name of STUBBED) symlinkSync(STUB, join(this.bin, name));
    for (const name of REAL_TOOLS) symlinkSync(realTool(name), join(this.tools, name));
  }

  /** A disk the stubs know: size in bytes, optionally with a partition or a filesystem signature. */
  disk(dev: string, opts: { size?: number; partitioned?: boolean; signature?: boolean } = {}): void {
    const d = join(this.state, "disks", dev.replace(/\//g, "_"));
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "size"), String(opts.size ?? 21474836480));
    if (opts.partitioned) writeFileSync(join(d, "parts"), "1:2048s:999999s:997952s:xfs:data:;\n");
    if (opts.signature) writeFileSync(join(d, "signature"), "xfs\n");
  }

  /** Writes a file of the simulated machine (path relative to /). */
  file(path: string, content: string, mode = 0o644): void {
    const p = join(this.root, path);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, content);
    chmodSync(p, mode);
  }

  read(path: string): string {
    return readFileSync(join(this.root, path), "utf8");
  }

  /** Writes a stub state file (relative to the state directory). */
  stateFile(path: string, content: string): void {
    const p = join(this.state, path);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, content);
  }

  readState(path: string): string {
    return readFileSync(join(this.state, path), "utf8");
  }

  /** The next mutating call whose text starts with `prefix` fails once. */
  failOnce(prefix: string): void {
    writeFileSync(join(this.state, "fail-once"), `${prefix}\n`, { flag: "a" });
  }

  /** PATH of the simulated machine: the stubs, then the allowed real tools. */
  get path(): string {
    return `${this.bin}:${this.tools}`;
  }

  /** Runs a step as the program would; `secrets` go on stdin. */
  run(kind: ScriptKind, env: Readonly<Record<string, string>>, secrets: Readonly<Record<string, string>> = {}): RunResult {
    const before = readFileSync(join(this.state, "calls.log"), "utf8").length;
    const command = remoteCommand(kind, scriptText(kind), env, false);
    const res = spawnSync(join(this.tools, "bash"), ["-c", command], {
      input: Object.keys(secrets).length > 0 ? secretsStdin(secrets) : "",
      encoding: "utf8",
      env: { PATH: this.path, ROOT: this.root, STUB_STATE: this.state, HOME: this.dir, LANG: "C.UTF-8" },
      timeout: 60_000,
    });
    const calls = readFileSync(join(this.state, "calls.log"), "utf8")
      .slice(before)
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => ({ kind: l.slice(0, 1) as Call["kind"], line: l.slice(2) }));
    return {
      status: res.status,
      stdout: res.stdout,
      stderr: res.stderr,
      calls,
      mutations: calls.filter((c) => c.kind === "M").map((c) => c.line),
      command,
    };
  }

  /** Every file of the machine and of the stub state (paths, modes, contents), for comparing states. */
  fingerprint(): string {
    const lines: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir).sort()) {
        const p = join(dir, entry);
        const rel = relative(this.dir, p);
        if (rel === "state/calls.log" || rel === "state/fail-once") continue;
        const st = lstatSync(p);
        if (st.isSymbolicLink()) lines.push(`${rel} -> ${readlinkSync(p)}`);
        else if (st.isDirectory()) walk(p);
        else lines.push(`${rel} ${(statSync(p).mode & 0o777).toString(8)} ${createHash("sha256").update(readFileSync(p)).digest("hex").slice(0, 16)}`);
      }
    };
    walk(this.root);
    walk(this.state);
    return lines.join("\n");
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface IdempotenceCase {
  readonly kind: ScriptKind;
  readonly os: OsFamily;
  readonly env: Readonly<Record<string, string>>;
  readonly secrets?: Readonly<Record<string, string>>;
  /** Prepares a new machine (disks, existing files…). */
  readonly setup?: (m: Machine) => void;
  /** Mutating calls the first run must make (each a prefix of some call). */
  readonly expect: readonly string[];
  /** A mutating call (prefix) that fails once in the interrupted run. */
  readonly failAt: string;
  /** Further checks on the machine after the first run. */
  readonly check?: (m: Machine, first: RunResult) => void;
}

function describe(r: RunResult): string {
  return `status ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\ncalls:\n${r.calls.map((c) => `${c.kind} ${c.line}`).join("\n")}`;
}

export function assertHas(mutations: readonly string[], expected: readonly string[]): void {
  for (const e of expected) {
    assert.ok(
      mutations.some((m) => m.startsWith(e)),
      `expected a mutating call starting with ${JSON.stringify(e)}; got:\n${mutations.join("\n")}`,
    );
  }
}

/**
 * Proves a step idempotent: the first run makes the expected changes, a second run makes none (no
 * mutating call, no file changed), and a run failing in the middle followed by a re-run converges to
 * the same machine as the clean run, after which a further run again changes nothing.
 */
export function proveIdempotent(c: IdempotenceCase): void {
  const clean = new Machine(c.os);
  const broken = new Machine(c.os);
  try {
    c.setup?.(clean);
    const first = clean.run(c.kind, c.env, c.secrets);
    assert.equal(first.status, 0, describe(first));
    assertHas(first.mutations, c.expect);
    assert.match(first.stdout, /changed: /, describe(first));
    c.check?.(clean, first);
    const converged = clean.fingerprint();

    const second = clean.run(c.kind, c.env, c.secrets);
    assert.equal(second.status, 0, describe(second));
    assert.deepEqual(second.mutations, [], `second run mutated:\n${describe(second)}`);
    assert.doesNotMatch(second.stdout, /changed: /);
    assert.match(second.stdout, /no change/);
    assert.equal(clean.fingerprint(), converged, "second run changed files");

    c.setup?.(broken);
    broken.failOnce(c.failAt);
    const failed = broken.run(c.kind, c.env, c.secrets);
    assert.notEqual(failed.status, 0, `the run with a failing "${c.failAt}" succeeded:\n${describe(failed)}`);
    assert.ok(failed.calls.some((x) => x.kind === "F"), `"${c.failAt}" was never called:\n${describe(failed)}`);
    const rerun = broken.run(c.kind, c.env, c.secrets);
    assert.equal(rerun.status, 0, `re-run after failure:\n${describe(rerun)}`);
    assert.equal(broken.fingerprint().replace(/^state\/fail-once.*$/m, ""), converged, "re-run did not converge to the clean state");
    const after = broken.run(c.kind, c.env, c.secrets);
    assert.deepEqual(after.mutations, [], `run after convergence mutated:\n${describe(after)}`);
  } finally {
    clean.cleanup();
    broken.cleanup();
  }
}
