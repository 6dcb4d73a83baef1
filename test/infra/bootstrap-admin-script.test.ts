// The prepared servers' bootstrap script run under bash with stub system tools: the first run creates the
// group, user, sudoers rule and key; the second run changes nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bootstrapAdminScript } from "../../components/infra/prepared";

const STUBS: Record<string, string> = {
  // getent group|passwd NAME: answers from the state files the other stubs write.
  getent: `#!/bin/bash
f="$STATE/$1"; [ -f "$f" ] || exit 2
grep -m1 "^$2:" "$f" || exit 2`,
  groupadd: `#!/bin/bash
echo "groupadd $*" >>"$STATE/log"; echo "$1:x:1000:" >>"$STATE/group"`,
  useradd: `#!/bin/bash
echo "useradd $*" >>"$STATE/log"; name="\${@: -1}"; echo "$name:x:1000:1000::$STATE/home/$name:/bin/bash" >>"$STATE/passwd"; mkdir -p "$STATE/home/$name"`,
  id: `#!/bin/bash
[ "$1" = "-u" ] && grep -q "^$2:" "$STATE/passwd" 2>/dev/null && echo 1000`,
  visudo: `#!/bin/bash
echo "visudo $*" >>"$STATE/log"`,
  install: `#!/bin/bash
echo "install $*" >>"$STATE/log"; mkdir -p "\${@: -1}"`,
  chown: `#!/bin/bash
echo "chown $*" >>"$STATE/log"`,
};

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-bootstrap-"));
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(dir, "sudoers.d"));
  for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(bin, name), body + "\n", { mode: 0o755 });
  return { dir, bin };
}

function run(dir: string, bin: string) {
  const res = spawnSync("bash", ["-c", bootstrapAdminScript("admin", "ssh-rsa AAAAkey hive\n")], {
    encoding: "utf8",
    env: { PATH: `${bin}:/usr/bin:/bin`, STATE: dir, HIVE_SUDOERS_DIR: path.join(dir, "sudoers.d") },
  });
  assert.equal(res.status, 0, res.stderr);
  return res.stdout;
}

test("first run creates everything, second run changes nothing", () => {
  const { dir, bin } = setup();
  try {
    assert.equal(run(dir, bin), ["created group admin", "created user admin", `wrote ${dir}/sudoers.d/admin`, "installed the site key for admin", ""].join("\n"));
    const log1 = fs.readFileSync(path.join(dir, "log"), "utf8");
    assert.equal(fs.readFileSync(path.join(dir, "sudoers.d", "admin"), "utf8"), "%admin ALL=(ALL) NOPASSWD: ALL\n");
    assert.equal(fs.readFileSync(path.join(dir, "home/admin/.ssh/authorized_keys"), "utf8"), "ssh-rsa AAAAkey hive\n");
    assert.match(log1, /^groupadd admin$/m);
    assert.match(log1, /^useradd -m -g admin -s \/bin\/bash admin$/m);

    assert.equal(run(dir, bin), "");
    assert.equal(fs.readFileSync(path.join(dir, "log"), "utf8"), log1);
    assert.equal(fs.readFileSync(path.join(dir, "home/admin/.ssh/authorized_keys"), "utf8"), "ssh-rsa AAAAkey hive\n");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
