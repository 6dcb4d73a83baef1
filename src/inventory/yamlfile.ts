// Reads one YAML file keeping the source position of every key and value.
import { readFileSync } from "node:fs";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import type { SourcePos } from "./model";
import type { ProblemList } from "./errors";

export type Path = readonly (string | number)[];

export interface YamlFile {
  /** Absolute path. */
  readonly file: string;
  readonly data: unknown;
  /** Position of the value at `path` (or of its closest ancestor that exists). */
  pos(path: Path): SourcePos;
  /** Position of the key naming the value at `path` (the value's position for list items and the root). */
  keyPos(path: Path): SourcePos;
}

/** `stages.staging.subnets[0].cidr` */
export function pathString(path: Path): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out === "" ? "(top level)" : out;
}

interface Entry {
  value: [number, number];
  key: [number, number] | null;
}

export function parseYaml(file: string, text: string, problems: ProblemList): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, version: "1.1", merge: true, prettyErrors: false });
  const entries = new Map<string, Entry>();
  const at = (offset: number): [number, number] => {
    const p = lineCounter.linePos(offset);
    return [p.line, p.col];
  };
  const walk = (node: unknown, path: Path, key: [number, number] | null): void => {
    if (node === null || node === undefined) return;
    const n = node as Node;
    const start = n.range ? at(n.range[0]) : key ?? [1, 1];
    entries.set(JSON.stringify(path), { value: start, key });
    if (isMap(n)) {
      for (const item of n.items) {
        if (!isPair(item)) continue;
        const k = item.key as Node | null;
        const keyName = isScalar(k) ? String(k.value) : k ? String(k) : "";
        const keyStart = k?.range ? at(k.range[0]) : start;
        const child = [...path, keyName];
        if (item.value === null || item.value === undefined) {
          entries.set(JSON.stringify(child), { value: keyStart, key: keyStart });
        } else {
          walk(item.value, child, keyStart);
        }
      }
    } else if (isSeq(n)) {
      n.items.forEach((item, i) => walk(item, [...path, i], null));
    } else if (isAlias(n)) {
      // An alias stands for its anchor's value; positions of the inner values are those of the anchor.
    }
  };
  walk(doc.contents, [], null);
  for (const err of doc.errors) {
    const [line, column] = err.linePos ? [err.linePos[0].line, err.linePos[0].col] : [1, 1];
    problems.add({ file, line, column }, `YAML syntax error: ${err.message.split("\n")[0]}`);
  }
  let data: unknown = null;
  if (doc.errors.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      problems.add({ file, line: 1, column: 1 }, `YAML error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const lookup = (path: Path): Entry => {
    for (let n = path.length; n >= 0; n--) {
      const e = entries.get(JSON.stringify(path.slice(0, n)));
      if (e) return e;
    }
    return { value: [1, 1], key: null };
  };
  return {
    file,
    data,
    pos: (path) => {
      const e = lookup(path);
      return { file, line: e.value[0], column: e.value[1] };
    },
    keyPos: (path) => {
      const e = lookup(path);
      const [line, column] = e.key ?? e.value;
      return { file, line, column };
    },
  };
}

export function readYaml(file: string, problems: ProblemList): YamlFile {
  return parseYaml(file, readFileSync(file, "utf8"), problems);
}
