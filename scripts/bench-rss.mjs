// Preloaded into a benchmarked process: writes its peak resident set size (KiB) to HIVE_BENCH_RSS_FILE at exit.
import { writeFileSync } from "node:fs";

const file = process.env.HIVE_BENCH_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
