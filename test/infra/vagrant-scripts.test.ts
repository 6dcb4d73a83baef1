// The vagrant scripts under bash with a stub `vagrant` that records its calls.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const scripts = path.join(__dirname, "../../components/infra/scripts");

function sandbox() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-vagrant-"));
  fs.mkdirSync(path.join(dir, "bin"));
  fs.writeFileSync(path.join(dir, "bin", "vagrant"), `#!/bin/bash\necho "vagrant $* in $PWD" >>"${dir}/log"\n`, { mode: 0o755 });
  return dir;
}

function run(dir: string, script: string, env: Record<string, string>) {
  const res = spawnSync("bash", [path.join(scripts, script)], { encoding: "utf8", env: { PATH: `${dir}/bin:/usr/bin:/bin`, ...env } });
  assert.equal(res.status, 0, res.stderr);
}

const log = (dir: string) => (fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8") : "");

test("up writes the Vagrantfile into a new context dir and runs vagrant up; halted runs vagrant halt", () => {
  const dir = sandbox();
  try {
    const ctx = path.join(dir, ".hive", "private");
    run(dir, "vagrant-up.sh", { HIVE_CONTEXT_DIR: ctx, HIVE_VAGRANTFILE: "Vagrant.configure(\"2\") do |c|\nend\n", HIVE_HALTED: "false" });
    assert.equal(fs.readFileSync(path.join(ctx, "Vagrantfile"), "utf8"), 'Vagrant.configure("2") do |c|\nend\n');
    run(dir, "vagrant-up.sh", { HIVE_CONTEXT_DIR: ctx, HIVE_VAGRANTFILE: "x", HIVE_HALTED: "true" });
    assert.equal(log(dir), `vagrant up in ${ctx}\nvagrant halt in ${ctx}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("destroy runs vagrant destroy -f, and nothing when no Vagrantfile is left", () => {
  const dir = sandbox();
  try {
    const ctx = path.join(dir, "ctx");
    run(dir, "vagrant-destroy.sh", { HIVE_CONTEXT_DIR: ctx });
    assert.equal(log(dir), "");
    fs.mkdirSync(ctx);
    fs.writeFileSync(path.join(ctx, "Vagrantfile"), "x");
    run(dir, "vagrant-destroy.sh", { HIVE_CONTEXT_DIR: ctx });
    assert.equal(log(dir), `vagrant destroy -f in ${ctx}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("missing inputs fail before anything runs", () => {
  const dir = sandbox();
  try {
    const res = spawnSync("bash", [path.join(scripts, "vagrant-up.sh")], { encoding: "utf8", env: { PATH: `${dir}/bin:/usr/bin:/bin` } });
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /HIVE_CONTEXT_DIR/);
    assert.equal(log(dir), "");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
