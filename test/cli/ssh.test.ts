import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contextDir, localizeSshConfig, sshArgs, sshHosts, writeSshContext } from "../../src/cli/ssh";

const config = [
  "Host s-hive0.pdns",
  "  HostName 203.0.113.10",
  "  User ec2-user",
  "  IdentityFile ~/.ssh/placeholder",
  "  UserKnownHostsFile /dev/null",
  "Host s-hive3.pdns",
  "  HostName 203.0.113.13",
  "  User ec2-user",
  "  IdentityFile ~/.ssh/placeholder",
  "",
].join("\n");

test("context dir is .hive/<stage> under the project root", () => {
  assert.equal(contextDir("/p", "staging"), "/p/.hive/staging");
});

test("writeSshContext writes key and config with mode 0600 in a 0700 dir and localizes paths", (t) => {
  const root = mkdtempSync(join(tmpdir(), "hive-ssh-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, ".hive", "staging");
  // a pre-existing world-readable key must be tightened too
  writeSshContext(dir, config, "KEY");
  chmodSync(join(dir, "id_hive"), 0o644);
  writeFileSync(join(dir, "ssh_config"), "old", { mode: 0o644 });
  const ctx = writeSshContext(dir, config, "-----BEGIN KEY-----\nabc\n-----END KEY-----");
  assert.equal(statSync(ctx.dir).mode & 0o777, 0o700);
  assert.equal(statSync(ctx.keyPath).mode & 0o777, 0o600);
  assert.equal(statSync(ctx.configPath).mode & 0o777, 0o600);
  assert.equal(readFileSync(ctx.keyPath, "utf8"), "-----BEGIN KEY-----\nabc\n-----END KEY-----\n");
  const written = readFileSync(ctx.configPath, "utf8");
  assert.equal(written, localizeSshConfig(config, ctx));
  assert.match(written, new RegExp(`^  IdentityFile ${ctx.keyPath}$`, "m"));
  assert.match(written, new RegExp(`^  UserKnownHostsFile ${ctx.knownHostsPath}$`, "m"));
  assert.doesNotMatch(written, /placeholder/);
});

test("sshArgs defaults to the last host and adds forwards", () => {
  const ctx = { configPath: "/c/ssh_config" };
  assert.deepEqual(sshHosts(config), ["s-hive0.pdns", "s-hive3.pdns"]);
  assert.deepEqual(sshArgs(ctx, config, {}), ["-F", "/c/ssh_config", "s-hive3.pdns"]);
  assert.deepEqual(sshArgs(ctx, config, { target: "s-hive0.pdns", zabbix: true }), [
    "-F", "/c/ssh_config", "-L", "localhost:10052:s-hive0.pdns:10052", "s-hive0.pdns",
  ]);
  assert.deepEqual(sshArgs(ctx, config, { zabbix: true, zabbixPort: 20052, forwards: ["8080:localhost:80"], command: ["docker", "ps"] }), [
    "-F", "/c/ssh_config", "-L", "localhost:20052:s-hive3.pdns:10052", "-L", "8080:localhost:80", "s-hive3.pdns", "--", "docker", "ps",
  ]);
});

test("sshArgs rejects unknown hosts and empty configs", () => {
  assert.throws(() => sshArgs({ configPath: "x" }, config, { target: "s-hive9.pdns" }), /unknown host s-hive9.pdns: the stage has s-hive0.pdns, s-hive3.pdns/);
  assert.throws(() => sshArgs({ configPath: "x" }, "", {}), /names no host/);
});
