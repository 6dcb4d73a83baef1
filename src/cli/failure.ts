// What the CLI says when an operation fails: the stage, each failing resource by phase, server and step
// with the first lines of the engine's error and the last lines of the step's output (never the step's
// script, which the command provider repeats in its error), and for a missing plugin how to install it.
import { parseUrn, phaseOf } from "./phases";

/** A diagnostic event of the engine (`diagnosticEvent` of the Automation API's event stream). */
export interface Diagnostic {
  readonly urn?: string;
  readonly severity: string;
  readonly message: string;
}

const HEAD_LINES = 3;
const TAIL_LINES = 8;

/** The engine's diagnostics of severity error, from the raw event stream. */
export function errorDiagnostics(events: readonly Record<string, unknown>[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const e of events) {
    const d = e.diagnosticEvent as { urn?: string; severity?: string; message?: string } | undefined;
    if (d && d.severity === "error" && typeof d.message === "string") out.push({ urn: d.urn, severity: d.severity, message: d.message });
  }
  return out;
}

/** "the ${name} plugin ${version}" and how to install it, when the text is the engine's missing-plugin error. */
export function missingPluginHint(text: string): string | null {
  const m = /no (resource|language|analyzer) plugin '?pulumi-(?:resource|language|analyzer)-([A-Za-z0-9_-]+)'?([^\n]*)/.exec(text);
  if (m === null) return null;
  const [, kind, name, rest] = m;
  const version = /version v?(\d+\.\d+\.\d+[^\s'",]*)/.exec(rest)?.[1];
  const v = version ? ` v${version}` : "";
  return `the ${kind} plugin ${name}${v} is not installed: install it with \`pulumi plugin install ${kind} ${name}${v}\` (or put pulumi-${kind}-${name} on PATH)`;
}

/**
 * The message of a remote command's error without the command text it repeats. The command provider
 * writes `<error>: running "<command, Go-quoted on one line>":` and then the command's output.
 */
export function withoutScript(message: string): string {
  const lines = message.replace(/\r/g, "").split("\n");
  const start = lines.findIndex((l) => l.includes(': running "'));
  if (start < 0) return message.trim();
  const head = [...lines.slice(0, start), lines[start].slice(0, lines[start].indexOf(': running "'))].filter((l) => l.trim() !== "");
  const output = lines.slice(start + 1).filter((l) => l.trim() !== "");
  const tail = output.slice(-TAIL_LINES);
  return [...head, output.length > tail.length ? "  … last lines of its output:" : "  its output:", ...tail.map((l) => `  ${l}`)].join("\n");
}

/** Where a resource sits: `<phase> <name>` (the resource name carries server and step, e.g. pdns-s-hive0-docker). */
export function describeResource(urn: string): string {
  try {
    const parsed = parseUrn(urn);
    const phase = phaseOf(parsed.typeChain)?.phase ?? "site";
    return `${phase}: ${parsed.name} (${parsed.typeChain.at(-1)})`;
  } catch {
    return urn;
  }
}

/** The whole report of a failed operation, as lines after `hive: <operation> failed on stage <stage>:`. */
export function failureReport(operation: string, stage: string, diagnostics: readonly Diagnostic[], engineError: string): string {
  const hint = missingPluginHint(engineError) ?? diagnostics.map((d) => missingPluginHint(d.message)).find((h) => h !== null) ?? null;
  const lines = [`${operation} failed on stage ${stage}`];
  if (hint !== null) return `${lines[0]}: ${hint}`;
  const perResource = diagnostics.filter((d) => d.urn && !/pulumi:pulumi:Stack::/.test(d.urn));
  for (const d of perResource) {
    const text = withoutScript(d.message).split("\n");
    lines.push(`  ${describeResource(d.urn!)}`, ...text.slice(0, HEAD_LINES + TAIL_LINES + 2).map((l) => `    ${l}`));
  }
  if (perResource.length === 0) {
    const errorLines = engineError.trim().split("\n").filter((l) => /error/i.test(l) && !/^\s*(Duration|Resources):/.test(l));
    lines.push(...(errorLines.length > 0 ? errorLines : engineError.trim().split("\n").slice(-1)).slice(0, HEAD_LINES).map((l) => `  ${l.trim()}`));
  }
  return lines.length === 1 ? lines[0] : `${lines[0]}:\n${lines.slice(1).join("\n")}`;
}
