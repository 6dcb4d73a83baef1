// The access script of prepared servers, run under bash against a fake `ssh` that plays a server: which
// ways in it accepts, and what the admin-user script would change. Shows the order of the ways in, that the
// replaced key is retired only after the site key has logged in with sudo, that the delete hands password
// login back before it removes the site key, and that no secret reaches a command line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ACCESS_SCRIPT, accessStdin } from "../../components/infra/access";

// The fake server: STATE/accepted lists the ways in that work (site, retired, password); a grant makes the
// site key work and retires the old one, `password` turns password login on (neither takes effect when
// STATE/stuck exists), `drop-key` removes the site key. STATE/down makes the server not answer. Each session is logged as
// "<way> <command> <action>".
const FAKE_SSH = `#!/bin/bash
echo "$*" >>"$STATE/argv"
key="" dest="" cmd=()
while [ $# -gt 0 ]; do
  case "$1" in
    -i) key=$2; shift 2 ;;
    -F|-p|-o) shift 2 ;;
    -*) shift ;;
    *) if [ -z "$dest" ]; then dest=$1; else cmd+=("$1"); fi; shift ;;
  esac
done
[ ! -e "$STATE/down" ] || { echo "ssh: connect to host: Connection refused" >&2; exit 255; }
if [ -n "$key" ]; then
  way=other
  cmp -s "$key" "$STATE/site.key" && way=site
  cmp -s "$key" "$STATE/retired.key" && way=retired
else
  way=password
  [ "$("$SSH_ASKPASS")" = "$(cat "$STATE/password")" ] || way=wrong-password
fi
grep -qx "$way" "$STATE/accepted" || { echo "$dest: Permission denied (publickey,password)." >&2; exit 255; }
action=""
if [ "\${cmd[*]}" != true ] && [ "\${cmd[*]}" != "sudo -n true" ]; then
  input=$(cat)
  action=$(printf '%s\\n' "$input" | sed -n 's/^HIVE_ACTION=//p' | head -1)
  retire=$(printf '%s\\n' "$input" | sed -n "s/^HIVE_ADMIN_RETIRE=//p" | head -1)
  case "$action" in
    grant)
      [ -e "$STATE/stuck" ] || grep -qx site "$STATE/accepted" || echo site >>"$STATE/accepted"
      if [ -n "$retire" ] && [ "$retire" != "''" ]; then sed -i '/^retired$/d' "$STATE/accepted"; fi ;;
    password) [ -e "$STATE/stuck" ] || echo password >>"$STATE/accepted" ;;
    drop-key) sed -i '/^site$/d' "$STATE/accepted" ;;
  esac
  [ -z "$retire" ] || [ "$retire" = "''" ] || action="$action+retire"
fi
echo "$way \${cmd[*]} $action" >>"$STATE/log"
`;

interface Server {
  accepted: string[];
  stuck?: boolean;
  down?: boolean;
}

function keygen(file: string): void {
  const res = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
  assert.equal(res.status, 0, String(res.stderr));
}

const keys = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-access-keys-"));
  keygen(path.join(dir, "site"));
  keygen(path.join(dir, "retired"));
  const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
  const k = { site: read("site"), retired: read("retired"), retiredPub: read("retired.pub").trim() };
  fs.rmSync(dir, { recursive: true, force: true });
  return k;
})();
const PASSWORD = "r00t-pass word";

function run(action: "grant" | "release", server: Server, secrets: { retired?: boolean; password?: boolean }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-access-"));
  try {
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "ssh"), FAKE_SSH, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "site.key"), keys.site);
    fs.writeFileSync(path.join(dir, "retired.key"), keys.retired);
    fs.writeFileSync(path.join(dir, "password"), PASSWORD);
    fs.writeFileSync(path.join(dir, "accepted"), server.accepted.map((a) => `${a}\n`).join(""));
    fs.writeFileSync(path.join(dir, "log"), "");
    if (server.stuck) fs.writeFileSync(path.join(dir, "stuck"), "");
    if (server.down) fs.writeFileSync(path.join(dir, "down"), "");
    const stdin = accessStdin({ siteKey: keys.site, retiredKey: secrets.retired ? keys.retired : undefined, rootPassword: secrets.password ? PASSWORD : undefined });
    const res = spawnSync("bash", ["-c", `HIVE_ACTION=${action}\nHIVE_DIAL_TRIES=2\n${ACCESS_SCRIPT}`], {
      input: stdin,
      encoding: "utf8",
      env: {
        PATH: `${path.join(dir, "bin")}:/usr/bin:/bin`,
        STATE: dir,
        HIVE_HOST: "10.0.0.5",
        HIVE_ADMIN_USER: "admin",
        HIVE_USER_SCRIPT: "echo admin-user script",
      },
    });
    const log = fs.readFileSync(path.join(dir, "log"), "utf8").split("\n").map((l) => l.trim()).filter(Boolean);
    const argv = fs.existsSync(path.join(dir, "argv")) ? fs.readFileSync(path.join(dir, "argv"), "utf8") : "";
    const accepted = fs.readFileSync(path.join(dir, "accepted"), "utf8").trim().split("\n").filter(Boolean);
    return { status: res.status, stdout: res.stdout, stderr: res.stderr, log, argv, accepted };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test("the site key that works is all it takes: grant through it, then the sudo check", () => {
  const r = run("grant", { accepted: ["site", "password"] }, { password: true });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.log, ["site true", "site sudo -n bash -s grant", "site sudo -n true"]);
});

test("a new site: the root password opens the server, the site key is installed and checked", () => {
  const r = run("grant", { accepted: ["password"] }, { password: true });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.log, ["password true", "password bash -s grant", "site sudo -n true"]);
  assert.match(r.stdout, /logged in with the root password/);
});

test("a key rotation: the previous key opens the server, and is retired only once the new key works", () => {
  const r = run("grant", { accepted: ["retired", "password"] }, { retired: true, password: true });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.log, ["retired true", "retired sudo -n bash -s grant", "site sudo -n true", "site sudo -n bash -s grant+retire"]);
  assert.deepEqual(r.accepted.sort(), ["password", "site"]);
});

test("a site key that does not work after the grant fails the step and keeps the previous key", () => {
  const r = run("grant", { accepted: ["retired"], stuck: true }, { retired: true });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the site key was installed for admin@10\.0\.0\.5 but does not log in with sudo/);
  assert.deepEqual(r.accepted, ["retired"]);
  assert.deepEqual(r.log, ["retired true", "retired sudo -n bash -s grant"]);
});

test("no way in: the error names every way tried and the server's answer", () => {
  const r = run("grant", { accepted: [] }, { retired: true, password: true });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot log in to admin@10\.0\.0\.5 with the site key, the previous site key, root with root_password \(refused: is PermitRootLogin yes/);
  assert.match(r.stderr, /Permission denied/);
});

test("a server that does not answer is tried HIVE_DIAL_TRIES times, then named", () => {
  const r = run("grant", { accepted: ["site"], down: true }, {});
  assert.equal(r.status, 1);
  assert.match(r.stderr, /10\.0\.0\.5:22 does not answer ssh after 2 attempts: .*Connection refused/);
  assert.equal((r.argv.match(/admin@10\.0\.0\.5 true/g) ?? []).length, 2);
});

test("release without a root password leaves the operator's key alone and does not connect", () => {
  const r = run("release", { accepted: ["site"] }, {});
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.argv, "");
  assert.deepEqual(r.accepted, ["site"]);
});

test("release with a root password: password login first, checked, then the site key goes", () => {
  const r = run("release", { accepted: ["site"] }, { password: true });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.log, ["site true", "site sudo -n bash -s password", "password true", "password bash -s drop-key"]);
  assert.deepEqual(r.accepted, ["password"]);
});

test("release keeps the site key when password login does not come back", () => {
  const r = run("release", { accepted: ["site"], stuck: true }, { password: true });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /password login to root@10\.0\.0\.5 does not work after turning it back on; the site key stays/);
  assert.deepEqual(r.accepted, ["site"]);
  assert.ok(!r.log.some((l) => l.includes("drop-key")), r.log.join("\n"));
});

test("no secret reaches an ssh command line", () => {
  const r = run("grant", { accepted: ["retired", "password"] }, { retired: true, password: true });
  const secrets = [PASSWORD, ...[keys.site, keys.retired].map((k) => k.split("\n")[1])];
  for (const s of secrets) assert.ok(!r.argv.includes(s), "a secret is on a command line");
});
