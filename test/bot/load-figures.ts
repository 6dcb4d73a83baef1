// Load figures for docs/bot.md, measured on `hive bot` processes over the real Automation API runner
// and the stand-in pulumi (not part of `npm test`: it takes about a minute and two cores).
//   node --import tsx test/bot/load-figures.ts [legacy|hinted]
// 1. GET /stacks/staging: 200 concurrent requests, twice; latency p50/p99.
// 2. A flood of wrong tokens (40 concurrent clients for 5 s) with a scrypt entry in the config, while
//    one holder of a valid token reads GET /stacks in a loop; the reader's p50/p99 and the flood's rate.
import { createHash, createHmac, randomBytes, scryptSync } from "node:crypto";
import { rmSync } from "node:fs";
import { request, TOKENS } from "./helpers";
import { makeSite, startBotProcess } from "./procs";

/** The keyed hint `hive bot hash-token --scrypt` writes: the first 16 bits of HMAC-SHA256(salt, token). */
const hintFor = (token: string, salt: Buffer) => createHmac("sha256", salt).update(token).digest("hex").slice(0, 4);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? "legacy";
  const site = makeSite();
  const salt = randomBytes(16);
  const scryptToken = randomBytes(32).toString("base64url");
  const key = scryptSync(scryptToken, salt, 32, { N: 16384, r: 8, p: 1 });
  const scryptHash = `scrypt:16384:8:1:${salt.toString("hex")}:${key.toString("hex")}${mode === "hinted" ? `:${hintFor(scryptToken, salt)}` : ""}`;
  const config = site.config("bot", {
    tokens: [
      { name: "alice", hash: `sha256:${createHash("sha256").update(TOKENS.alice).digest("hex")}`, stages: ["*"], actions: ["preview"] },
      { name: "scrypt-holder", hash: scryptHash, stages: ["*"], actions: ["preview"] },
    ],
  });
  const bot = await startBotProcess(config, site.env);
  try {
    const status: number[] = [];
    for (let round = 0; round < 2; round++) {
      const times = await Promise.all(
        Array.from({ length: 200 }, () =>
          timed(async () => {
            const res = await request(bot.url, "GET", "/stacks/staging", { token: TOKENS.alice });
            if (res.status !== 200) throw new Error(`status ${res.status}`);
          }),
        ),
      );
      status.push(...times);
    }
    const flood = { sent: 0 };
    const end = Date.now() + 5000;
    const flooders = Array.from({ length: 40 }, async () => {
      while (Date.now() < end) {
        await request(bot.url, "GET", "/stacks", { token: randomBytes(32).toString("base64url") });
        flood.sent++;
      }
    });
    const reader: number[] = [];
    while (Date.now() < end) {
      reader.push(
        await timed(async () => {
          const res = await request(bot.url, "GET", "/stacks", { token: TOKENS.alice });
          if (res.status !== 200) throw new Error(`reader got ${res.status}`);
        }),
      );
    }
    await Promise.all(flooders);
    const round = (n: number) => Math.round(n * 10) / 10;
    console.log(
      JSON.stringify({
        mode,
        status200: { requests: status.length, p50ms: round(percentile(status, 50)), p99ms: round(percentile(status, 99)), maxms: round(Math.max(...status)) },
        badTokenFlood: {
          floodRequestsPerSecond: Math.round(flood.sent / 5),
          readerRequests: reader.length,
          readerP50ms: round(percentile(reader, 50)),
          readerP99ms: round(percentile(reader, 99)),
        },
      }),
    );
  } finally {
    await bot.stop();
    rmSync(site.dir, { recursive: true, force: true });
  }
}

void main();
