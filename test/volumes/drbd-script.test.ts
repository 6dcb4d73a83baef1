import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { drbdScriptEnv } from "../../components/volumes/drbd-render";
import { stagingSite } from "../helpers/services-site-fixture";
import { newScriptEnv, runScript } from "./run-script";

const script = join(__dirname, "../../components/volumes/scripts/drbd-volume.sh");
const site = stagingSite();
const volume = site.volumes.find((v) => v.name === "pdnsdb_data")!;
const PROBES = /^(drbdadm (dstate|dump-md|role|adjust -d)|lvs|blkid|systemctl is-enabled)/;
const mutations = (calls: string[]) => calls.filter((c) => !PROBES.test(c));

test("first run on the format node creates LV, metadata, filesystem and unit; second run changes nothing", () => {
  const se = newScriptEnv();
  const env = drbdScriptEnv(site, volume, site.hosts[0], false);
  const first = runScript(script, se, env);
  assert.equal(first.status, 0, first.stderr);
  assert.deepEqual(mutations(first.calls), [
    "systemctl daemon-reload",
    "lvcreate -V 500M -T drbdvg/drbdpool -n pdnsdb_data",
    "drbdadm create-md --force pdnsdb_data",
    "drbdadm adjust pdnsdb_data",
    "drbdadm primary --force pdnsdb_data",
    "mkfs.xfs /dev/drbd1",
    "drbdadm secondary pdnsdb_data",
    "systemctl enable --now drbd-resource@pdnsdb_data.service",
  ]);
  assert.equal(readFileSync(join(se.root, "etc/drbd.d/pdnsdb_data.res"), "utf8"), env.HIVE_RES);
  assert.match(readFileSync(join(se.root, "etc/systemd/system/drbd-resource@.service"), "utf8"), /ExecStart=\/usr\/sbin\/drbdadm adjust %i/);

  const second = runScript(script, se, env);
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(mutations(second.calls), []);
  assert.doesNotMatch(second.stderr, /wrote/);
});

test("other hives never format", () => {
  const se = newScriptEnv();
  const r = runScript(script, se, drbdScriptEnv(site, volume, site.hosts[1], false));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.calls.some((c) => c.startsWith("mkfs") || c.startsWith("drbdadm primary")), r.calls.join("\n"));
});

test("an existing filesystem is never formatted, even on a fresh unit", () => {
  const se = newScriptEnv();
  writeFileSync(join(se.state, "fs-drbd1"), "xfs\n");
  writeFileSync(join(se.state, "md-pdnsdb_data"), "");
  const r = runScript(script, se, drbdScriptEnv(site, volume, site.hosts[0], false));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.calls.some((c) => c.startsWith("mkfs") || c.startsWith("drbdadm primary") || c.startsWith("drbdadm create-md")), r.calls.join("\n"));
  assert.match(r.stderr, /already holds a xfs filesystem; not formatting/);
});

test("HIVE_NO_FORMAT=1 never formats, not even an empty device", () => {
  const se = newScriptEnv();
  const r = runScript(script, se, drbdScriptEnv(site, volume, site.hosts[0], true));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.calls.some((c) => c.startsWith("mkfs") || c.startsWith("blkid")), r.calls.join("\n"));
  assert.ok(r.calls.includes("systemctl enable --now drbd-resource@pdnsdb_data.service"));
});

test("a diskless hive gets no LV and no metadata", () => {
  const se = newScriptEnv();
  const v = { ...volume, drbd: { ...volume.drbd!, diskless: ["s-hive2.pdns"] } };
  const r = runScript(script, se, drbdScriptEnv(site, v, site.hosts[2], false));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(mutations(r.calls), [
    "systemctl daemon-reload",
    "drbdadm adjust pdnsdb_data",
    "systemctl enable --now drbd-resource@pdnsdb_data.service",
  ]);
});

test("a changed size is refused with the safe path, before touching anything", () => {
  const se = newScriptEnv();
  assert.equal(runScript(script, se, drbdScriptEnv(site, volume, site.hosts[0], false)).status, 0);
  const bigger = { ...volume, drbd: { ...volume.drbd!, size: "1G" } };
  const r = runScript(script, se, drbdScriptEnv(site, bigger, site.hosts[0], false));
  assert.equal(r.status, 3);
  assert.match(r.stderr, /created with 'minor=1 size=500M fstype=xfs hosts=s-hive0,s-hive1,s-hive2' but the inventory now says 'minor=1 size=1G/);
  assert.match(r.stderr, /Safe path: back the data up/);
  assert.deepEqual(mutations(r.calls), []);
});

test("delete takes the resource down, removes its files and keeps the LV", () => {
  const se = newScriptEnv();
  const env = drbdScriptEnv(site, volume, site.hosts[0], false);
  runScript(script, se, env);
  const r = runScript(script, se, { HIVE_VOLUME: "pdnsdb_data", HIVE_MINOR: "1", HIVE_VG: "drbdvg", HIVE_ACTION: "delete" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(mutations(r.calls), ["systemctl disable --now drbd-resource@pdnsdb_data.service", "drbdadm down pdnsdb_data"]);
  assert.throws(() => readFileSync(join(se.root, "etc/drbd.d/pdnsdb_data.res")));
  assert.equal(readFileSync(join(se.state, "lv-drbdvg-pdnsdb_data"), "utf8"), "500M\n");
});

test("delete leaves a resource that is Primary (mounted) on this node untouched", () => {
  const se = newScriptEnv();
  runScript(script, se, drbdScriptEnv(site, volume, site.hosts[0], false));
  writeFileSync(join(se.state, "primary-pdnsdb_data"), "");
  const r = runScript(script, se, { HIVE_VOLUME: "pdnsdb_data", HIVE_MINOR: "1", HIVE_VG: "drbdvg", HIVE_ACTION: "delete" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(mutations(r.calls), []);
  assert.match(r.stderr, /in use \(Primary\) on this node; left as is/);
  assert.equal(readFileSync(join(se.root, "etc/drbd.d/pdnsdb_data.res"), "utf8"), drbdScriptEnv(site, volume, site.hosts[0], false).HIVE_RES);
});
