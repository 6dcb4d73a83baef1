import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { drbdScriptEnv, drbdSignature, formatNode, renderDrbdResource } from "../../components/volumes/drbd-render";
import { drbdCommands } from "../../components/volumes/volumes";
import { remoteScript } from "../../components/services/remote-script";
import { stagingSite } from "../helpers/services-site-fixture";

const site = stagingSite();
const vol = (name: string) => site.volumes.find((v) => v.name === name)!;

test("resource file of pdnsdb_data in staging (all hives sorted, node-id = position, port 7000+minor)", () => {
  assert.equal(
    renderDrbdResource(site, vol("pdnsdb_data")),
    `# DRBD resource of volume pdnsdb_data, written by hive.
resource pdnsdb_data {
  options {
    quorum majority;
    on-no-quorum io-error;
  }
  disk {
    disk-flushes;
    md-flushes;
    c-plan-ahead 1;
    c-max-rate 1024000;
    c-delay-target 1;
    c-fill-target 1M;
    rs-discard-granularity 1048576;
  }
  on s-hive0 {
    address 192.168.0.5:7001;
    node-id 0;
    disk /dev/drbdvg/pdnsdb_data;
    device minor 1;
    meta-disk internal;
  }
  on s-hive1 {
    address 192.168.0.69:7001;
    node-id 1;
    disk /dev/drbdvg/pdnsdb_data;
    device minor 1;
    meta-disk internal;
  }
  on s-hive2 {
    address 192.168.0.133:7001;
    node-id 2;
    disk /dev/drbdvg/pdnsdb_data;
    device minor 1;
    meta-disk internal;
  }
  connection-mesh {
    hosts s-hive0 s-hive1 s-hive2;
    net {
      max-buffers 16000;
      max-epoch-size 16000;
      sndbuf-size 1048576;
    }
  }
}
`,
  );
});

test("a diskless first hive gets disk none and hands formatting to the next hive", () => {
  const v = { ...vol("proxy_config"), drbd: { ...vol("proxy_config").drbd!, diskless: ["s-hive0.pdns"] } };
  const res = renderDrbdResource(site, v);
  assert.match(res, /on s-hive0 \{\n {4}address 192\.168\.0\.5:7003;\n {4}node-id 0;\n {4}disk none;/);
  assert.match(res, /on s-hive1 \{\n {4}address 192\.168\.0\.69:7003;\n {4}node-id 1;\n {4}disk \/dev\/drbdvg\/proxy_config;/);
  assert.equal(formatNode(site, v).name, "s-hive1.pdns");
  assert.equal(drbdSignature(site, v), "minor=3 size=80M fstype=xfs hosts=s-hive0(diskless),s-hive1,s-hive2");
  const env0 = drbdScriptEnv(site, v, site.hosts[0], false);
  assert.equal(env0.HIVE_DISKLESS, "1");
  assert.equal(env0.HIVE_FORMAT, "0");
  assert.equal(drbdScriptEnv(site, v, site.hosts[1], false).HIVE_FORMAT, "1");
});

test("only the first hive formats; noFormat is passed through", () => {
  const v = vol("pdnsdb_data");
  assert.deepEqual(
    site.hosts.slice(0, 3).map((h) => drbdScriptEnv(site, v, h, false).HIVE_FORMAT),
    ["1", "0", "0"],
  );
  assert.equal(drbdScriptEnv(site, v, site.hosts[0], true).HIVE_NO_FORMAT, "1");
});

test("errors: not drbd, no minor", () => {
  assert.throws(() => renderDrbdResource(site, { ...vol("pdnsdb_data"), kind: "plain", drbd: null }), {
    message: 'volume "pdnsdb_data" is not a DRBD volume',
  });
  assert.throws(() => renderDrbdResource(site, { ...vol("pdnsdb_data"), drbd: { ...vol("pdnsdb_data").drbd!, minor: null } }), {
    message: 'volume "pdnsdb_data" has no DRBD minor allocated',
  });
});

test("remoteScript text runs the script with its quoted parameters and keeps stdin free", () => {
  const text = remoteScript('#!/usr/bin/env bash\nset -euo pipefail\necho "[$HIVE_X]" "$(cat)"\n', { HIVE_X: `it's "x" $HOME` });
  const out = execFileSync("bash", ["-c", text], { input: "from-stdin", encoding: "utf8" });
  assert.equal(out, `[it's "x" $HOME] from-stdin\n`);
});

test("the DRBD command runs under sudo and carries the .res content", () => {
  const texts = drbdCommands(site, vol("pdnsdb_data"), site.hosts[0], false);
  assert.ok(texts.create.startsWith(`sudo -n bash -c "$(cat <<'HIVE_SCRIPT_EOF'\nexport HIVE_VOLUME='pdnsdb_data'\nexport HIVE_MINOR='1'\n`));
  assert.ok(texts.create.includes("resource pdnsdb_data {"));
  assert.ok(texts.delete.includes("export HIVE_ACTION='delete'"));
});
