// `hive import-inventory DIR`: checks a hive-builder project: which stages of its inventory load unchanged,
// and, each with file:line:column, every construct hive does not support (or that stops a stage from loading);
// plus the allocations of .hive/persistents.yml to import. What hive supports is not listed.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { parse } from "yaml";
import { InventoryError, loadSite, type Problem } from "../../inventory";
import { findUnsupported } from "../../inventory/unsupported";
import { STAGES, type Stage } from "../../inventory/model";
import { CliError } from "../context";
import type { CliDeps } from "../deps";

export type StageReport =
  | { stage: Stage; status: "ok"; hosts: number; services: number }
  | { stage: Stage; status: "undefined" }
  | { stage: Stage; status: "problems"; problems: Problem[] };

export interface LedgerFound {
  stage: Stage;
  minors: Record<string, number>;
  ports: Record<string, number>;
}

export interface ImportReport {
  projectDir: string;
  inventoryDir: string;
  stages: StageReport[];
  /** Allocations from .hive/persistents.yml (drbd_device_map, published_port_map), per stage. */
  ledgers: LedgerFound[];
  /** The default stage stored by `hive set stage` in hive-builder. */
  persistedStage?: string;
  /** Constructs of the project hive does not support, in file order (they may also stop a stage). */
  unsupported: Problem[];
}

const UNDEFINED_STAGE = /stages\.\w+:? (is )?not defined/;

function asNumberMap(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (value === null || typeof value !== "object") return out;
  for (const [k, v] of Object.entries(value)) {
    const n = typeof v === "number" ? v : Number(v);
    if (Number.isInteger(n)) out[k] = n;
  }
  return out;
}

/** Reads hive-builder's `{var: {global|<stage>: value}}` persistents file. */
export function readPersistents(file: string): { ledgers: LedgerFound[]; stage?: string } {
  const data = (parse(readFileSync(file, "utf8")) ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const ledgers: LedgerFound[] = [];
  for (const stage of STAGES) {
    const minors = asNumberMap(data.drbd_device_map?.[stage]);
    const ports = asNumberMap(data.published_port_map?.[stage]);
    if (Object.keys(minors).length + Object.keys(ports).length > 0) ledgers.push({ stage, minors, ports });
  }
  const stage = data.stage?.global;
  return { ledgers, stage: typeof stage === "string" ? stage : undefined };
}

/** hive-builder's project files that hive does not read, as constructs at line 1 of the file. */
const IGNORED_FILES: { test: (name: string, dir: boolean) => boolean; message: string }[] = [
  { test: (n) => n === "ansible.cfg", message: "not read: hive runs Ansible with its own settings (connections come from the stack)" },
  { test: (n) => n === "gcp_credential.json", message: "not read: give GCP credentials to Pulumi (`hive set --secret gcp:credentials …` or GOOGLE_CREDENTIALS)" },
  { test: (n, d) => !d && /\.ya?ml$/.test(n) && n !== "initialize-services.yml", message: "a playbook or variable file at the top of the project: not run or read" },
];

/** Builds the report; reads files only. */
export function checkHiveBuilderProject(dir: string): ImportReport {
  const projectDir = resolve(dir);
  if (!existsSync(projectDir)) throw new CliError(`${dir} does not exist`);
  const inventoryDir = existsSync(join(projectDir, "inventory")) ? join(projectDir, "inventory") : projectDir;
  const stages: StageReport[] = STAGES.map((stage): StageReport => {
    try {
      const site = loadSite({ inventoryDir, stage, contextDir: join(projectDir, ".hive", stage), env: {} });
      return { stage, status: "ok", hosts: site.hosts.length, services: site.services.length };
    } catch (err) {
      if (!(err instanceof InventoryError)) throw err;
      if (err.problems.length === 1 && UNDEFINED_STAGE.test(err.problems[0].message)) return { stage, status: "undefined" };
      return { stage, status: "problems", problems: [...err.problems] };
    }
  });
  const persistents = join(projectDir, ".hive", "persistents.yml");
  const found = existsSync(persistents) ? readPersistents(persistents) : { ledgers: [] };
  const unsupported = findUnsupported(projectDir, inventoryDir);
  if (inventoryDir !== projectDir) {
    for (const name of readdirSync(projectDir).sort()) {
      const isDir = statSync(join(projectDir, name)).isDirectory();
      const rule = IGNORED_FILES.find((r) => r.test(name, isDir));
      if (rule) unsupported.push({ file: join(projectDir, name), line: 1, column: 1, message: rule.message });
    }
  }
  // A construct found by the scan is listed once, not again as the problem it causes in each stage.
  const seen = new Set(unsupported.map((p) => `${p.file}:${p.line}`));
  const deduped = stages.map((s): StageReport => {
    if (s.status !== "problems") return s;
    const rest = s.problems.filter((p) => !seen.has(`${p.file}:${p.line}`));
    return rest.length > 0 ? { ...s, problems: rest } : { stage: s.stage, status: "problems", problems: [] };
  });
  return { projectDir, inventoryDir, stages: deduped, ledgers: found.ledgers, persistedStage: found.stage, unsupported };
}

/** The stored-ledger command line for one stage (stack config `hive:allocations`). */
export function ledgerCommand(ledger: LedgerFound): string {
  const json = JSON.stringify({ ports: ledger.ports, minors: ledger.minors });
  return `hive set -s ${ledger.stage} allocations '${json}'`;
}

export function formatReport(report: ImportReport, cwd: string): string {
  const rel = (p: string) => relative(cwd, p) || ".";
  const lines = [`hive-builder project ${rel(report.projectDir)} (inventory ${rel(report.inventoryDir)})`, ""];
  // A problem shared by several stages (most are: they are in shared files) is listed once for all of them.
  const problemStages = new Map<string, Stage[]>();
  for (const s of report.stages) {
    if (s.status === "ok") lines.push(`${s.stage}: loads unchanged (${s.hosts} hosts, ${s.services} services)`);
    else if (s.status === "undefined") lines.push(`${s.stage}: not defined in the hive definition`);
    else if (s.problems.length === 0) lines.push(`${s.stage}: needs editing (see Not supported)`);
    else {
      lines.push(`${s.stage}: needs editing (${s.problems.length} problem${s.problems.length === 1 ? "" : "s"})`);
      for (const p of s.problems) {
        const text = `${rel(p.file)}:${p.line}:${p.column}: ${p.message}`;
        problemStages.set(text, [...(problemStages.get(text) ?? []), s.stage]);
      }
    }
  }
  if (problemStages.size > 0) {
    lines.push("", "Problems:");
    for (const [text, stages] of problemStages) lines.push(`  ${text}${stages.length < report.stages.length ? ` [${stages.join(", ")}]` : ""}`);
  }
  if (report.ledgers.length > 0) {
    lines.push("", ".hive/persistents.yml holds allocations (DRBD minors, published ports). Keep them so volumes and ports keep their numbers:");
    for (const l of report.ledgers) {
      lines.push(`  ${l.stage}: ${Object.keys(l.minors).length} DRBD minors, ${Object.keys(l.ports).length} published ports; import as the previous ledger with:`);
      lines.push(`    ${ledgerCommand(l)}`);
    }
  }
  if (report.persistedStage) lines.push("", `hive-builder's default stage is ${report.persistedStage}: \`hive set stage ${report.persistedStage}\``);
  if (report.unsupported.length > 0) {
    lines.push("", "Not supported:");
    for (const p of report.unsupported) lines.push(`  ${rel(p.file)}:${p.line}:${p.column}: ${p.message}`);
  }
  return lines.join("\n") + "\n";
}

export function registerImportInventoryCommand(program: Command, deps: () => CliDeps): void {
  program
    .command("import-inventory")
    .description("check a hive-builder project: which stages load unchanged, and every construct hive does not support (file:line)")
    .argument("<dir>", "the hive-builder project (holding inventory/ and .hive/) or its inventory folder")
    .option("--json", "print the report as JSON")
    .addHelpText("after", "\nExit status 1 when some stage needs editing or a construct is not supported.\n\nExample:\n  hive import-inventory ../my-hive-builder-site")
    .action((dir: string, opts: { json?: boolean }) => {
      const d = deps();
      const report = checkHiveBuilderProject(resolve(d.root, dir));
      d.out(opts.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report, process.cwd()));
      if (report.stages.some((s) => s.status === "problems")) throw new CliError("some stages need editing (see above)");
      if (report.unsupported.length > 0) throw new CliError("the project uses constructs hive does not support (see above)");
      if (report.stages.every((s) => s.status === "undefined")) throw new CliError("no stage loads");
    });
}
