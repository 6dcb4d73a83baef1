// `hive validate`: checks the inventory of a stage and prints a one-screen summary.
import type { Command } from "commander";
import { InventoryError, formatProblems, loadSite, type Site } from "../../inventory";
import { resolveSiteOptions } from "./site-options";

/** Services and volumes listed by name before the summary only counts the rest. */
const LIST_LIMIT = 12;

/** The summary printed by `hive validate` (pure, for tests). */
export function summarize(site: Site): string {
  const lines: string[] = [];
  lines.push(`${site.name}: stage ${site.stage}, provider ${site.provider}, inventory is valid`);
  lines.push(`hosts (${site.hosts.length}):`);
  const width = Math.max(...site.hosts.map((h) => h.name.length));
  for (const h of site.hosts) {
    const zone = h.availabilityZone ?? (h.zoneIndex !== null ? `zone #${h.zoneIndex}` : "-");
    lines.push(`  ${h.name.padEnd(width)}  ${h.privateIp.padEnd(15)}  ${zone.padEnd(16)}  ${h.groups.filter((g) => g !== site.stage && g !== "servers").join(",")}`);
  }
  const ports = (s: Site["services"][number]) =>
    s.ports.map((p) => `${p.published ?? "auto"}:${p.target}/${p.protocol}`).join(" ");
  lines.push(`services (${site.services.length}):`);
  for (const s of site.services.slice(0, LIST_LIMIT)) {
    const image = s.image.kind === "build" ? `build ${s.image.build?.from ?? ""}` : s.image.ref;
    lines.push(`  ${s.name}: ${image}${s.ports.length > 0 ? `  ports ${ports(s)}` : ""}`);
  }
  if (site.services.length > LIST_LIMIT) lines.push(`  … and ${site.services.length - LIST_LIMIT} more (hive inventory lists them all)`);
  lines.push(`volumes (${site.volumes.length}):`);
  for (const v of site.volumes.slice(0, LIST_LIMIT)) {
    const detail = v.drbd ? ` ${v.drbd.size} ${v.drbd.fstype}` : v.driver ? ` driver ${v.driver}` : "";
    lines.push(`  ${v.name}: ${v.kind}${detail} (${v.services.join(", ")})`);
  }
  if (site.volumes.length > LIST_LIMIT) lines.push(`  … and ${site.volumes.length - LIST_LIMIT} more`);
  lines.push(`networks: ${site.networks.map((n) => n.name).join(", ")}`);
  lines.push(`firewall: tcp ${site.firewall.tcp.join(",") || "-"}; udp ${site.firewall.udp.join(",") || "-"}`);
  return lines.join("\n") + "\n";
}

/** Prints problems of an InventoryError (or any error) on stderr and sets exit code 1. */
export function reportFailure(err: unknown): void {
  if (err instanceof InventoryError) {
    process.stderr.write(formatProblems(err.problems) + "\n");
    process.stderr.write(`${err.problems.length} problem${err.problems.length === 1 ? "" : "s"} found\n`);
  } else {
    process.stderr.write(`hive: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exitCode = 1;
}

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("check the inventory of a stage and print a summary")
    .addHelpText("after", "\nExamples:\n  hive validate -s staging -i examples/pdns/inventory\n  hive validate -s private   # inventory from hive:inventory of Pulumi.private.yaml")
    .option("-s, --stage <stage>", "stage: private, staging or production (default: `hive set stage`, else private)")
    .option("-i, --inventory <dir>", "inventory folder (default: stack config hive:inventory, else inventory/)")
    .action((opts: { stage?: string; inventory?: string }) => {
      try {
        const o = resolveSiteOptions(opts);
        const site = loadSite({ inventoryDir: o.inventoryDir, stage: o.stage, vars: o.vars });
        process.stdout.write(summarize(site));
      } catch (err) {
        reportFailure(err);
      }
    });
}
