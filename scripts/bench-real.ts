// The real-engine benchmark: the test site of the end-to-end suite on the servers of scripts/e2e/servers.sh
// with many busybox services, through the `hive` CLI on the real engine and plugins (as in test/e2e):
// a first `hive up` of 60 services from an empty stack (every remote step included), `hive up` with nothing
// to do, 30 services added, `hive preview` against a bare `pulumi preview`; whole-process wall times, and one
// JSON line at the end. Prints why it cannot run (no engine, plugins or servers) and exits 0 then.
// Usage: npm run bench:real [-- --runs N]   (the servers must be up: bash scripts/e2e/servers.sh up)
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { chooseParallel } from "../src/cli/parallel";
import { engineMissingReason, loadE2eEnv, projectCopy, pulumiOk, repoRoot } from "../test/e2e/harness";

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 3;
/** The services of the first up, the servers of the test site (scripts/e2e/servers.sh). */
const SERVICES = 60;
const SERVERS = 3;
const key = join(process.env.HIVE_E2E_CACHE ?? join(homedir(), ".cache/hive/e2e"), "ssh/id_ed25519");

/** An inventory file of `count` busybox services named svc000…, each serving on its own port, dnsrr. */
export function servicesFile(count: number): string {
  const lines = ["plugin: hive_services", "services:"];
  for (let i = 0; i < count; i++) {
    const name = `svc${String(i).padStart(3, "0")}`;
    lines.push(`  ${name}:`, "    image: hive-e2e/busybox:latest", `    command: ["httpd", "-f", "-p", "${8100 + i}"]`, "    endpoint_mode: dnsrr");
  }
  return `${lines.join("\n")}\n`;
}

interface Timed {
  readonly seconds: number;
  readonly out: string;
}

function timed(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Timed {
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const out = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${out.slice(-4000)}`);
  return { seconds, out };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const stateDir = mkdtempSync(join(tmpdir(), "hive-bench-state-"));
  const env = loadE2eEnv(stateDir);
  const missing = engineMissingReason(env, ["command", "random", "tls", "docker"]);
  const probe = spawnSync("ssh", ["-i", key, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "admin@10.88.0.11", "true"]);
  const why = missing ?? (probe.status === 0 ? undefined : "10.88.0.11 does not answer ssh (bash scripts/e2e/servers.sh up)");
  if (why !== undefined) {
    console.log(`bench:real skipped: ${why}`);
    rmSync(stateDir, { recursive: true, force: true });
    return;
  }
  const dir = projectCopy();
  const hive = (...args: string[]) => timed(process.execPath, [join(dir, "bin/hive.js"), ...args], dir, env);
  const rows: [string, number][] = [];
  const row = (label: string, seconds: number) => {
    rows.push([label, seconds]);
    console.log(`${label.padEnd(40)} ${seconds.toFixed(1).padStart(7)} s`);
  };
  try {
    cpSync(join(repoRoot, "test/e2e/fixtures/site"), join(dir, "site"), { recursive: true });
    // Only the generated services: the fixture's own ones would add an image build to every run.
    writeFileSync(join(dir, "site/inventory/web.yml"), servicesFile(SERVICES));
    pulumiOk(env, dir, ["stack", "init", "private"]);
    pulumiOk(env, dir, ["config", "set", "hive:inventory", "site/inventory"]);
    pulumiOk(env, dir, ["config", "set", "--secret", "hive:sshPrivateKey"], readFileSync(key, "utf8"));

    const first = hive("up", "-s", "private");
    row(`first up, ${SERVICES} services, empty stack`, first.seconds);
    const noop = Array.from({ length: runs }, () => hive("up", "-s", "private"));
    for (const n of noop) if (!/hive: up succeeded: same \d+$/m.test(n.out)) throw new Error(`an up with nothing to do changed something:\n${n.out.slice(-2000)}`);
    row(`no-op up (median of ${runs})`, median(noop.map((n) => n.seconds)));
    // The engine's own floor for the same no-op, at the parallelism hive chose for this site.
    const parallel = chooseParallel(undefined, undefined, { servers: SERVERS, services: SERVICES });
    const bareUp = ["up", "-s", "private", "--yes", "--skip-preview", "--non-interactive", "--parallel", String(parallel)];
    const bareNoop = median(Array.from({ length: runs }, () => timed("pulumi", bareUp, dir, env).seconds));
    row(`bare pulumi up, no-op (median of ${runs})`, bareNoop);
    writeFileSync(join(dir, "site/inventory/web.yml"), servicesFile(SERVICES + 30));
    const add = hive("up", "-s", "private");
    row("30 services added", add.seconds);
    const preview = median(Array.from({ length: runs }, () => hive("preview", "-s", "private").seconds));
    row(`hive preview (median of ${runs})`, preview);
    const bare = median(Array.from({ length: runs }, () => timed("pulumi", ["preview", "-s", "private", "--non-interactive"], dir, env).seconds));
    row(`bare pulumi preview (median of ${runs})`, bare);
    const exported = pulumiOk(env, dir, ["stack", "export"]).stdout;
    const resources = (JSON.parse(exported) as { deployment: { resources?: unknown[] } }).deployment.resources?.length ?? 0;
    const state = exported.length;

    console.log(`${"resources".padEnd(40)} ${String(resources).padStart(7)}`);
    console.log(`${"state size".padEnd(40)} ${(state / 1024).toFixed(0).padStart(7)} KiB`);
    console.log(
      JSON.stringify({
        firstUp60: Number(first.seconds.toFixed(1)),
        noop: Number(rows[1][1].toFixed(1)),
        bareNoop: Number(bareNoop.toFixed(1)),
        add30: Number(add.seconds.toFixed(1)),
        preview: Number(preview.toFixed(1)),
        barePreview: Number(bare.toFixed(1)),
        resources,
      }),
    );
  } finally {
    spawnSync(process.execPath, [join(dir, "bin/hive.js"), "destroy", "-s", "private", "--yes"], { cwd: dir, env, stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main();
