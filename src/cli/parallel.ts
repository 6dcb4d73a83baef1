// How many resource operations the engine runs at once. Its own default is four per CPU of the machine
// running hive (8 on two cores), so a site of 60 services was created in waves of 8 while its servers idled:
// hive's operations wait on servers, not on the local CPUs. The default follows the site instead.
import { CliError } from "./context";

export const PARALLEL_KEY = "hive:parallel";

/** Lower and upper bounds of the default: enough for every server's steps, few enough for one sshd. */
const MIN = 16;
const MAX = 64;

/** The default for a site: a slot per service and four per server (their setup steps), within MIN..MAX. */
export function siteParallel(servers: number, services: number): number {
  return Math.min(MAX, Math.max(MIN, services + 4 * servers));
}

/** `--parallel`, else stack config `hive:parallel`, else the site's default (MIN when the site is not loaded). */
export function chooseParallel(flag: string | undefined, config: unknown, site: { servers: number; services: number } | undefined): number {
  const given = flag ?? (config === undefined ? undefined : String(config));
  if (given !== undefined) {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag !== undefined ? "--parallel" : PARALLEL_KEY}: a whole number of at least 1 is expected, got ${JSON.stringify(given)}`);
    return n;
  }
  return site === undefined ? MIN : siteParallel(site.servers, site.services);
}
