// `hive bot`: the deploy bot service, and `hive bot hash-token` for its configuration file.
import { InvalidArgumentError, type Command } from "commander";

// The bot's modules load when a bot command runs, not with every `hive` command (they take a tenth of a
// second that `hive up` would wait for before its engine starts).
const auth = () => require("../../bot/auth") as typeof import("../../bot/auth");
const service = () => ({
  ...(require("../../bot/config") as typeof import("../../bot/config")),
  ...(require("../../bot/index") as typeof import("../../bot/index")),
  ...(require("../../bot/log") as typeof import("../../bot/log")),
});

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on("data", (c: Buffer) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`${value} is not a port number`);
  return n;
}

export function registerBotCommand(program: Command): Command {
  const bot = program
    .command("bot")
    .description("run the deploy bot: previews and deployments on request over HTTP and Slack (see docs/bot.md)")
    .addHelpText("after", "\nExamples:\n  hive bot --config bot.yml --port 8080\n  hive bot hash-token            # a new token and the hash for the config")
    .option("-c, --config <file>", "bot configuration (YAML or JSON)")
    .option("-p, --port <n>", "listen port (overrides the config; 0 picks a free port)", port)
    .option("--host <address>", "listen address (overrides the config; default 127.0.0.1)")
    .action(async (opts: { config?: string; port?: number; host?: string }) => {
      if (!opts.config) throw new Error("hive bot needs --config FILE (see docs/bot.md)");
      const { loadConfig, jsonLogger, startBot } = service();
      const config = loadConfig(opts.config);
      const log = jsonLogger();
      const running = await startBot(config, { port: opts.port, host: opts.host, log });
      const stop = (signal: string) => {
        log("info", "shutting down", { signal, timeoutMs: config.shutdownTimeoutMs });
        running.close().then(
          () => process.exit(0),
          (err: unknown) => {
            log("error", "shutdown failed", { error: String(err) });
            process.exit(1);
          },
        );
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });

  bot
    .command("hash-token")
    .description("print a token hash for the bot configuration; without --stdin a new random token is generated")
    .option("--stdin", "hash the token read from standard input instead of generating one")
    .option("--scrypt", "use scrypt instead of sha256")
    .action(async (opts: { stdin?: boolean; scrypt?: boolean }) => {
      const { generateToken, hashToken } = auth();
      const kind = opts.scrypt ? "scrypt" : "sha256";
      if (opts.stdin) {
        const token = (await readStdin()).trim();
        if (!token) throw new Error("no token on standard input");
        process.stdout.write(`${await hashToken(token, kind)}\n`);
        return;
      }
      const token = generateToken();
      process.stdout.write(`token: ${token}\nhash: ${await hashToken(token, kind)}\n`);
      process.stderr.write("Give the token to its holder; put only the hash in the bot configuration.\n");
    });
  return bot;
}
