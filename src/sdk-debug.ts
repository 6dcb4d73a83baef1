// The Node.js SDK logs every resource registration at debug level with the engine's whole response: the
// scripts of the remote commands and, in plain text, every secret output. The engine shows debug messages
// only with -v or --debug, yet receives each one (a call per registration, megabytes on a site of a few
// hundred resources) and writes it into the event log. hive's runner passes no debug message on
// (src/automation/local.ts) and says so in the environment: then the program does not send them at all.

/** Set to "off" by hive's runner: the SDK's debug messages would reach no one. */
export const SDK_DEBUG_ENV = "HIVE_SDK_DEBUG";

/** Drops the SDK's debug messages when the runner asks for it; returns whether it did. */
export function dropSdkDebugLogs(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env[SDK_DEBUG_ENV] !== "off") return false;
  // The SDK's modules call `debug` through this module object, so replacing it here reaches every caller.
  const log = require("@pulumi/pulumi/log") as { debug: (...args: unknown[]) => Promise<void> };
  log.debug = () => Promise.resolve();
  return true;
}
