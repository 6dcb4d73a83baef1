// Benchmarks of the commands an operator runs first: whole-process wall time and peak memory of
// `hive inventory --json` and `hive plan`, for the pdns example and a generated 30-host, 300-service site.
// Usage: npm run bench [-- --runs N]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSyntheticInventory } from "../test/fixtures/synthetic";

const root = join(__dirname, "..");
const runsArg = process.argv.indexOf("--runs");
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 5;

interface Sample {
  readonly seconds: number;
  readonly maxRssMiB: number;
}

/** One whole-process run of the CLI; peak RSS from the child's own resource usage, written at exit. */
function runOnce(args: string[]): Sample {
  const dir = mkdtempSync(join(tmpdir(), "hive-bench-"));
  const rssFile = join(dir, "rss");
  try {
    const started = process.hrtime.bigint();
    const res = spawnSync(process.execPath, ["--import", join(root, "scripts/bench-rss.mjs"), join(root, "bin/hive.js"), ...args], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, HIVE_BENCH_RSS_FILE: rssFile },
      maxBuffer: 256 * 1024 * 1024,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (res.status !== 0) throw new Error(`hive ${args.join(" ")} failed (${res.status}): ${res.stderr}`);
    return { seconds, maxRssMiB: Number(readFileSync(rssFile, "utf8")) / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function summarize(label: string, samples: Sample[]): string {
  const times = samples.map((s) => s.seconds).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const rss = Math.max(...samples.map((s) => s.maxRssMiB));
  return `${label.padEnd(48)} median ${median.toFixed(2)} s  min ${times[0].toFixed(2)} s  max ${times[times.length - 1].toFixed(2)} s  peak RSS ${rss.toFixed(0)} MiB  (${samples.length} runs)`;
}

function bench(label: string, args: string[]): void {
  runOnce(args); // warm the file cache
  const samples = Array.from({ length: runs }, () => runOnce(args));
  console.log(summarize(label, samples));
}

const synthetic = mkdtempSync(join(tmpdir(), "hive-bench-site-"));
try {
  generateSyntheticInventory(synthetic, { hosts: 30, services: 300 });
  const pdns = join(root, "examples/pdns/inventory");
  bench("inventory --json, pdns staging", ["inventory", "-s", "staging", "-i", pdns, "--json"]);
  bench("inventory --json, 30 hosts / 300 services", ["inventory", "-s", "staging", "-i", synthetic, "--json"]);
  bench("plan, pdns staging (aws)", ["plan", "-s", "staging", "-i", pdns, "--json"]);
  bench("plan, pdns production (azure)", ["plan", "-s", "production", "-i", pdns, "--json"]);
  bench("plan, 30 hosts / 300 services (aws)", ["plan", "-s", "staging", "-i", synthetic, "--json"]);
} finally {
  rmSync(synthetic, { recursive: true, force: true });
}
