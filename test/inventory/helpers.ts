// Helpers for inventory tests: write a small inventory into a temporary folder and load it.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { InventoryError, loadSite, type Allocations, type Site, type Stage } from "../../src/inventory";

export const HIVE = `plugin: hive_inventory
name: demo
stages:
  private:
    provider: prepared
    cidr: 10.0.0.0/24
    ip_address_list: [10.0.0.10, 10.0.0.11, 10.0.0.12, 10.0.0.13]
  staging:
    provider: aws
    cidr: 10.1.0.0/24
    region: ap-northeast-1
    instance_type: t3.large
`;

export const SERVICES = `plugin: hive_services
services:
  web:
    image: nginx:1
    ports:
      - "8080:80"
`;

/** Writes `files` (path → content) into a new temporary folder. */
export function writeInventory(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "hive-inv-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

export interface LoadArgs {
  stage?: Stage;
  vars?: Record<string, unknown>;
  previous?: Allocations;
  env?: Record<string, string>;
}

export function loadFiles(files: Record<string, string>, args: LoadArgs = {}): Site {
  const dir = writeInventory(files);
  try {
    return loadSite({ inventoryDir: dir, stage: args.stage ?? "staging", vars: args.vars, previous: args.previous, env: args.env ?? {}, contextDir: "/ctx" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The problems of loading `files`, as `<path in the inventory>:<line>:<column>: <message>`; [] when it loads. */
export function problemsOf(files: Record<string, string>, args: LoadArgs = {}): string[] {
  const dir = writeInventory(files);
  try {
    loadSite({ inventoryDir: dir, stage: args.stage ?? "staging", vars: args.vars, previous: args.previous, env: args.env ?? {}, contextDir: "/ctx" });
    return [];
  } catch (err) {
    if (!(err instanceof InventoryError)) throw err;
    return err.problems.map((p) => `${p.file.startsWith("/") ? relative(dir, p.file) || "." : p.file}:${p.line}:${p.column}: ${p.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** hive.yml whose staging stage has the given attribute lines (indented under `staging:`). */
export function hiveWithStaging(...lines: string[]): string {
  return `plugin: hive_inventory\nname: demo\nstages:\n  staging:\n${lines.map((l) => `    ${l}\n`).join("")}`;
}

/** A service file with one service `web` whose attribute lines are given (indented under `web:`). */
export function servicesWithWeb(...lines: string[]): string {
  return `plugin: hive_services\nservices:\n  web:\n${lines.map((l) => `    ${l}\n`).join("")}`;
}
