// The status page in headless Chromium (Debian's /usr/bin/chromium; never a downloaded browser).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { chromium } from "playwright-core";
import { request, SECRETS, startTestBot, TOKENS, waitForRun } from "./helpers";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

test("the status page lists the stages and shows a run's output (finished and running), escaped", async (t) => {
  if (!existsSync(CHROMIUM)) {
    const reason = `${CHROMIUM} is absent (apt-get install -y chromium)`;
    console.log(`skipping the status page test: ${reason}`);
    t.skip(reason);
    return;
  }
  const bot = await startTestBot({
    runner: {
      steps: {
        preview: [
          { output: "Previewing update (staging):" },
          { output: `<img src=x onerror="document.title='pwned'"> uses ${SECRETS[0]}` },
          { event: { diagnosticEvent: { severity: "warning", message: "<b>careful</b>" } } },
        ],
        refresh: [{ output: "refresh step one" }, { delayMs: 400 }, { output: "refresh step two" }],
      },
    },
  });
  const profile = mkdtempSync(path.join(tmpdir(), "hive-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    const runId = (await request(bot.url, "POST", "/stacks/staging/preview", { token: TOKENS.alice })).json.runId as string;
    await waitForRun(bot.url, runId, TOKENS.alice);

    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${bot.url}/?token=${TOKENS.alice}`);
    await page.waitForSelector('#stages tr[data-stage="production"]');
    assert.deepEqual(await page.$$eval("#stages tr", (rows) => rows.map((r) => r.getAttribute("data-stage"))), ["staging", "production"]);
    assert.ok(!page.url().includes("token="), `the token left the address bar: ${page.url()}`);
    assert.equal(await page.evaluate(() => sessionStorage.getItem("hiveBotToken")), TOKENS.alice);
    assert.match((await page.textContent('#stages tr[data-stage="staging"]')) ?? "", /free.*preview.*succeeded.*alice/);

    await page.click(`#runs button[data-run="${runId}"]`);
    await page.waitForFunction(() => document.getElementById("output")!.textContent!.includes("== preview succeeded"));
    const output = (await page.textContent("#output")) ?? "";
    assert.equal(
      output,
      [
        "Previewing update (staging):",
        `<img src=x onerror="document.title='pwned'"> uses [secret]`,
        "warning: <b>careful</b>",
        "== preview succeeded",
        "",
      ].join("\n"),
    );
    assert.equal(await page.$$eval("#output *", (nodes) => nodes.length), 0, "output is text, not markup");
    assert.notEqual(await page.title(), "pwned");

    // live: open a running refresh and see its lines arrive
    const live = (await request(bot.url, "POST", "/stacks/staging/refresh", { token: TOKENS.alice })).json.runId as string;
    await page.evaluate((id) => (location.hash = "run=" + id), live);
    await page.waitForFunction(() => document.getElementById("output")!.textContent!.includes("== refresh succeeded"), undefined, { timeout: 10_000 });
    assert.equal(await page.textContent("#output"), "refresh step one\nrefresh step two\n== refresh succeeded\n");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await bot.close();
  }
});
