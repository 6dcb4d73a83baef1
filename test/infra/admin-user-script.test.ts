// The admin-user script of prepared servers run under bash with stub system tools: grant creates the group,
// user, sudoers rule and key and changes nothing the second time; it retires old keys but never the site
// key; `password` removes hive's sshd settings; `drop-key` removes only the site key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ADMIN_USER_SCRIPT } from "../../components/infra/access";
import { shellQuote } from "../../components/shell";

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
  sshd: `#!/bin/bash
echo "sshd $*" >>"$STATE/log"`,
  systemctl: `#!/bin/bash
echo "systemctl $*" >>"$STATE/log"; [ "$1 $3" != "is-active ssh" ] || exit 0; [ "$1" != is-active ] || exit 3`,
};

const SITE = "ssh-ed25519 AAAAsitekey";
const OLD = "ssh-ed25519 AAAAoldkey";

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-admin-user-"));
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  fs.mkdirSync(path.join(dir, "sudoers.d"));
  fs.mkdirSync(path.join(dir, "sshd_config.d"));
  for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(bin, name), body + "\n", { mode: 0o755 });
  return dir;
}

function run(dir: string, action: string, retire = "") {
  const inputs = `HIVE_ACTION=${action}\nHIVE_ADMIN_USER=admin\nHIVE_ADMIN_PUBKEY=${shellQuote(SITE)}\nHIVE_ADMIN_RETIRE=${shellQuote(retire)}\n`;
  const res = spawnSync("bash", ["-c", inputs + ADMIN_USER_SCRIPT], {
    encoding: "utf8",
    env: {
      PATH: `${path.join(dir, "bin")}:/usr/bin:/bin`,
      STATE: dir,
      HIVE_SUDOERS_DIR: path.join(dir, "sudoers.d"),
      HIVE_SSHD_DIR: path.join(dir, "sshd_config.d"),
    },
  });
  assert.equal(res.status, 0, res.stderr);
  return res.stdout;
}

const keysFile = (dir: string) => path.join(dir, "home/admin/.ssh/authorized_keys");

/** Runs `body` on a fresh stub server folder and removes it afterwards. */
function onServer(body: (dir: string) => void): void {
  const dir = setup();
  try {
    body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("grant: the first run creates everything, the second changes nothing", () => {
  onServer((dir) => {
    assert.equal(run(dir, "grant"), ["created group admin", "created user admin", `wrote ${dir}/sudoers.d/admin`, "installed the site key for admin", ""].join("\n"));
    const log1 = fs.readFileSync(path.join(dir, "log"), "utf8");
    assert.equal(fs.readFileSync(path.join(dir, "sudoers.d", "admin"), "utf8"), "%admin ALL=(ALL) NOPASSWD: ALL\n");
    assert.equal(fs.readFileSync(keysFile(dir), "utf8"), `${SITE}\n`);
    assert.match(log1, /^groupadd admin$/m);
    assert.match(log1, /^useradd -m -g admin -s \/bin\/bash admin$/m);

    assert.equal(run(dir, "grant"), "");
    assert.equal(fs.readFileSync(path.join(dir, "log"), "utf8"), log1);
  });
});

test("grant retires the replaced key, whatever its line carries, but never the site key", () => {
  onServer((dir) => {
    run(dir, "grant");
    fs.appendFileSync(keysFile(dir), `from="10.0.0.0/8" ${OLD} operator@laptop\nssh-rsa AAAAother someone\n`);
    // The site key itself in the retire list is ignored.
    assert.equal(run(dir, "grant", `${OLD}\n${SITE}\n`), "removed the previous key AAAAoldkey… of admin\n");
    assert.equal(fs.readFileSync(keysFile(dir), "utf8"), `${SITE}\nssh-rsa AAAAother someone\n`);
    assert.equal(run(dir, "grant", OLD), "");
  });
});

test("password brings password login back once; drop-key removes only the site key", () => {
  onServer((dir) => {
    run(dir, "grant");
    fs.appendFileSync(keysFile(dir), "ssh-rsa AAAAother someone\n");
    fs.writeFileSync(path.join(dir, "sshd_config.d", "00-hive.conf"), "PasswordAuthentication no\n");
    assert.equal(run(dir, "password"), "password login is back\n");
    assert.equal(fs.existsSync(path.join(dir, "sshd_config.d", "00-hive.conf")), false);
    assert.match(fs.readFileSync(path.join(dir, "log"), "utf8"), /^sshd -t\n(.*\n)*systemctl reload ssh$/m);
    assert.equal(run(dir, "password"), "");

    assert.equal(run(dir, "drop-key"), "removed the site key AAAAsitekey… of admin\n");
    assert.equal(fs.readFileSync(keysFile(dir), "utf8"), "ssh-rsa AAAAother someone\n");
    assert.equal(run(dir, "drop-key"), "");
  });
});
