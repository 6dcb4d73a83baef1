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

type TagList = Exclude<Exclude<Exclude<Parameters<typeof parseDocument>[1], undefined>["customTags"], null | undefined>, (...args: never[]) => unknown>;

/**
 * YAML 1.1 as PyYAML reads it (hive-builder's parser): yes/no/on/off/true/false are booleans, but a single
 * `y` or `n` stays a string.
 */
const pyyamlBooleans = (tags: TagList): TagList =>
  tags.map((t) => {
    if (typeof t !== "object" || t.tag !== "tag:yaml.org,2002:bool" || !(t.test instanceof RegExp)) return t;
    return { ...t, test: new RegExp(t.test.source.replace(/^\^\(\?:[YN]\|[yn]\|/, "^(?:")) } as typeof t;
  });

export function parseYaml(file: string, text: string, problems: ProblemList): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, version: "1.1", merge: true, prettyErrors: false, customTags: pyyamlBooleans });
  const at = (offset: number): [number, number] => {
    const p = lineCounter.linePos(offset);
    return [p.line, p.col];
  };
  for (const err of doc.errors) {
    const [line, column] = at(err.pos[0]);
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
  // Positions are looked up on demand by walking the document (only reported problems and a few model
  // values need them), down to the deepest existing node of the path.
  const lookup = (path: Path): { value: [number, number]; key: [number, number] | null } => {
    let node: unknown = doc.contents;
    let keyNode: Node | null = null;
    let found: { value: [number, number]; key: [number, number] | null } = { value: [1, 1], key: null };
    if (node && (node as Node).range) found = { value: at((node as Node).range![0]), key: null };
    for (const part of path) {
      let next: unknown = undefined;
      let nextKey: Node | null = null;
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && String(isScalar(item.key) ? item.key.value : item.key) === String(part));
        if (pair) {
          next = pair.value;
          nextKey = pair.key as Node;
        }
      } else if (isSeq(node) && typeof part === "number") {
        next = node.items[part];
      } else if (isAlias(node)) {
        break;
      }
      if (next === undefined && nextKey === null) break;
      node = next;
      keyNode = nextKey;
      const keyStart = keyNode?.range ? at(keyNode.range[0]) : null;
      const valueNode = node as Node | null;
      found = { value: valueNode?.range ? at(valueNode.range[0]) : keyStart ?? found.value, key: keyStart };
      if (node === null || node === undefined) break;
    }
    return found;
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
