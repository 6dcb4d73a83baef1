// `hive ssh`: the context files (mode 0600 in a 0700 folder) and the argv handed to ssh (exec recorded).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { harness } from "./helpers";

const SSH_CONFIG = [
  "Host s-hive0",
  "  HostName 203.0.113.10",
  "  User admin",
  "  IdentityFile ~/.ssh/placeholder",
  "  UserKnownHostsFile /dev/null",
  "Host s-hive3",
  "  HostName 203.0.113.13",
  "  User admin",
  "  IdentityFile ~/.ssh/placeholder",
  "",
].join("\n");
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----";
const outputs = { ssh_config: { value: SSH_CONFIG, secret: false }, sshPrivateKey: { value: KEY, secret: true } };

test("hive ssh writes ssh_config and the key with mode 0600 and runs ssh to the last host", async () => {
  const h = harness({ outputs });
  assert.equal(await h.run("ssh", "-s", "staging"), 0, h.err());
  const dir = join(h.root, ".hive", "staging");
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const file of ["ssh_config", "id_hive"]) assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, file);
  assert.equal(readFileSync(join(dir, "id_hive"), "utf8"), `${KEY}\n`);
  const config = readFileSync(join(dir, "ssh_config"), "utf8");
  assert.match(config, new RegExp(`IdentityFile ${join(dir, "id_hive")}\\n`));
  assert.match(config, new RegExp(`UserKnownHostsFile ${join(dir, "known_hosts")}\\n`));
  assert.deepEqual(h.execs, [{ command: "ssh", args: ["-F", join(dir, "ssh_config"), "s-hive3"] }]);
  assert.deepEqual(h.access.calls, ["rawOutputs staging"]);
});

test("-t, -z, -Z, repeated -L and a command after --", async () => {
  const h = harness({ outputs });
  assert.equal(await h.run("ssh", "-t", "s-hive0", "-z", "-L", "8080:localhost:80", "-L", "5432:db:5432", "--", "docker", "service", "ls"), 0, h.err());
  const cfg = join(h.root, ".hive", "private", "ssh_config");
  assert.deepEqual(h.execs[0].args, ["-F", cfg, "-L", "localhost:10052:s-hive0:10052", "-L", "8080:localhost:80", "-L", "5432:db:5432", "s-hive0", "--", "docker", "service", "ls"]);
  const z = harness({ outputs });
  assert.equal(await z.run("ssh", "-Z", "20052"), 0, z.err());
  assert.deepEqual(z.execs[0].args.slice(2), ["-L", "localhost:20052:s-hive3:10052", "s-hive3"]);
});

test("errors: unknown host, bad port, no outputs yet, ssh's own exit status", async () => {
  const h = harness({ outputs });
  assert.equal(await h.run("ssh", "-t", "s-hive9"), 1);
  assert.equal(h.err(), "hive: unknown host s-hive9: the stage has s-hive0, s-hive3\n");
  assert.equal(await h.run("ssh", "-Z", "http"), 1);
  assert.match(h.err(), /http is not a port number/);
  const empty = harness();
  assert.equal(await empty.run("ssh", "-s", "production"), 1);
  assert.equal(empty.err(), "hive: stage production has no sshConfig/sshPrivateKey outputs yet: run `hive build-infra -s production` first\n");
  assert.deepEqual(empty.execs, []);
  const failing = harness({ outputs });
  failing.deps.exec = async () => 255;
  assert.equal(await failing.run("ssh"), 255);
  assert.equal(failing.err(), "hive: ssh exited with status 255\n");
});

test("the program's sshConfig output (placeholders, two aliases per host) works with -t by either alias", async () => {
  const { renderSshConfig } = await import("../../components/infra/fleet");
  const sshConfig = renderSshConfig([
    { name: "s-hive0.pdns", shortName: "s-hive0", hostName: "203.0.113.10", user: "admin" },
    { name: "s-hive3.pdns", shortName: "s-hive3", hostName: "203.0.113.13", user: "admin" },
  ]);
  const h = harness({ outputs: { sshConfig: { value: sshConfig, secret: false }, sshPrivateKey: { value: KEY, secret: true } } });
  assert.equal(await h.run("ssh", "-t", "s-hive0"), 0, h.err());
  assert.equal(await h.run("ssh"), 0, h.err());
  const dir = join(h.root, ".hive", "private");
  assert.deepEqual(h.execs.map((e) => e.args.at(-1)), ["s-hive0", "s-hive3.pdns"]);
  const written = readFileSync(join(dir, "ssh_config"), "utf8");
  assert.doesNotMatch(written, /@HIVE_/);
  assert.match(written, new RegExp(`IdentityFile ${join(dir, "id_hive")}\\n`));
  assert.match(written, new RegExp(`UserKnownHostsFile ${join(dir, "known_hosts")}\\n`));
});
