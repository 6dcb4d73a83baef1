// The site's SSH key as the scripts that run roles write it for Ansible's ssh (the third line of their stdin
// tail, base64): OpenSSH must load it. A key read from stack config has lost its final newline, and OpenSSH
// refuses such a file ("error in libcrypto") where the providers' own SSH clients accept it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stagingSite } from "../helpers/services-site-fixture";
import { rolesStdin } from "./stand-in-servers";

const keygen = spawnSync("ssh-keygen", ["-?"]).error === undefined;

test("the roles' ssh_key is a key file OpenSSH loads, also from a key without its final newline", { skip: keygen ? false : "ssh-keygen is not installed (Debian package openssh-client)" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-roles-key-"));
  try {
    assert.equal(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "site")]).status, 0);
    const key = readFileSync(join(dir, "site"), "utf8");
    for (const [name, given] of [["as written", key], ["as stack config returns it", key.trimEnd()]]) {
      const keyLine = (await rolesStdin(stagingSite(), given)).split("\n")[2];
      const file = join(dir, "ssh_key");
      writeFileSync(file, Buffer.from(keyLine, "base64"), { mode: 0o600 });
      const loaded = spawnSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" });
      assert.equal(loaded.status, 0, `${name}: ${loaded.stderr}`);
      assert.equal(loaded.stdout.split(" ").slice(0, 2).join(" "), readFileSync(join(dir, "site.pub"), "utf8").split(" ").slice(0, 2).join(" "));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
