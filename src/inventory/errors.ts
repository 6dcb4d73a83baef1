// Problems found in an inventory, reported as `<file>:<line>:<column>: <message>`.
import { relative } from "node:path";
import type { SourcePos } from "./model";

export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** Thrown by `loadSite` when the inventory has one or more problems; `message` is `formatProblems(problems)`. */
export class InventoryError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super(formatProblems(problems));
    this.name = "InventoryError";
    this.problems = problems;
  }
}

/** One `<file>:<line>:<column>: <message>` line per problem, file relative to the current directory. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems
    .map((p) => `${displayPath(p.file)}:${p.line}:${p.column}: ${p.message}`)
    .join("\n");
}

function displayPath(file: string): string {
  if (!file.startsWith("/")) return file;
  const rel = relative(process.cwd(), file);
  return rel === "" ? file : rel;
}

/** Collects problems so that every error of an inventory is reported at once. */
export class ProblemList {
  readonly items: Problem[] = [];
  add(pos: SourcePos, message: string): void {
    const dup = this.items.some(
      (p) => p.file === pos.file && p.line === pos.line && p.column === pos.column && p.message === message,
    );
    if (!dup) this.items.push({ file: pos.file, line: pos.line, column: pos.column, message });
  }
  get size(): number {
    return this.items.length;
  }
  /** Throws an InventoryError if any problem was collected, sorted by file and position. */
  throwIfAny(): void {
    if (this.items.length === 0) return;
    const sorted = [...this.items].sort(
      (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
    );
    throw new InventoryError(sorted);
  }
}

export function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The closest allowed word when it is close enough to be a likely typo. */
export function didYouMean(word: string, allowed: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== null && bestDistance <= limit ? best : null;
}

/** `<path>: unknown attribute (did you mean "y"?); allowed: a, b, c` where `path` ends with the unknown key. */
export function unknownKeyMessage(path: string, key: string, allowed: readonly string[], what = "attribute"): string {
  const suggestion = didYouMean(key, allowed);
  const hint = suggestion ? ` (did you mean "${suggestion}"?)` : "";
  return `${path}: unknown ${what}${hint}; allowed: ${allowed.join(", ")}`;
}
