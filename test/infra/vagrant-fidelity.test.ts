// A vagrant stage read from a real inventory, as hive-builder built it: DRBD only with mirrored_disk_size,
// disk_size / repository_disk_size honoured, and `hive set vagrant_proxy …` reaching the Vagrantfile.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSite } from "../../src/inventory";
import { builderSetVars } from "../../src/inventory/builder-vars";
import { hostSteps } from "../../components/host/steps";
import { renderVagrantfile } from "../../components/infra/vagrant";
import { resolveSiteOptions } from "../../src/cli/commands/site-options";
import { writeInventory } from "../inventory/helpers";

function hiveYml(extra: string): string {
  return `plugin: hive_inventory
name: vg
stages:
  private:
    provider: vagrant
    cidr: 192.168.56.0/27
    number_of_hosts: 3
    disk_size: 30
    repository_disk_size: 40
${extra}`;
}

/** The machine block of one server in a Vagrantfile. */
function machine(text: string, short: string): string {
  const start = text.indexOf(`config.vm.define "${short}"`);
  assert.ok(start >= 0, `${short} not defined`);
  const next = text.indexOf("config.vm.define", start + 1);
  return text.slice(start, next < 0 ? undefined : next);
}

test("vagrant without mirrored_disk_size: no DRBD steps; with it, the pool and the attached disk", () => {
  const plain = loadSite({ inventoryDir: writeInventory({ "hive.yml": hiveYml("") }), stage: "private" });
  for (const h of plain.hosts) {
    const steps = hostSteps(plain, h).map((s) => s.step);
    assert.ok(!steps.some((s) => s.startsWith("drbd")), `${h.name}: ${steps.join(" ")}`);
  }
  assert.ok(!renderVagrantfile(plain, "ssh-rsa K").includes("createhd"));

  const mirrored = loadSite({ inventoryDir: writeInventory({ "hive.yml": hiveYml("    mirrored_disk_size: 10\n") }), stage: "private" });
  const hive = mirrored.hosts.find((h) => h.isHive)!;
  assert.ok(hostSteps(mirrored, hive).some((s) => s.step === "drbd-pool"));
  assert.match(machine(renderVagrantfile(mirrored, "ssh-rsa K"), hive.shortName), /"--size", 10240\]/);
});

test("vagrant disk_size and repository_disk_size size each machine's root disk", () => {
  const site = loadSite({ inventoryDir: writeInventory({ "hive.yml": hiveYml("") }), stage: "private" });
  const text = renderVagrantfile(site, "ssh-rsa K");
  assert.match(text, /^HIVE_GROWFS = <<~'HIVE_GROWFS_EOF'$/m);
  for (const h of site.hosts) {
    const size = h.isRepository ? 40 : 30;
    const block = machine(text, h.shortName);
    assert.ok(block.includes(`node.disksize.size = "${size}GB" if Vagrant.has_plugin?("vagrant-disksize")`), block);
    assert.ok(block.includes(`lv.machine_virtual_size = ${size}`), block);
    assert.ok(block.includes('node.vm.provision "shell", name: "growfs", inline: HIVE_GROWFS'), block);
  }
});

test("hive set vagrant_proxy reaches the machines' proxy settings; hive_vagrant_box_name picks the box", () => {
  const inv = writeInventory({
    "hive.yml": hiveYml(""),
    "group_vars/all.yml": "hive_vagrant_box_name: bento/almalinux-9\n",
    "services.yml": "plugin: hive_services\nservices:\n  web:\n    image: nginx:1\n",
  });
  // `hive set vagrant_proxy http://10.0.2.2:3128` writes hive:vagrant_proxy into Pulumi.private.yaml.
  const project = writeInventory({ "Pulumi.private.yaml": "config:\n  hive:vagrant_proxy: http://10.0.2.2:3128\n" });
  const opts = resolveSiteOptions({ inventory: inv, stage: "private" }, project);
  assert.deepEqual(opts.vars, { hive_vagrant_proxy: "http://10.0.2.2:3128" });
  const site = loadSite({ inventoryDir: inv, stage: "private", vars: opts.vars });
  const text = renderVagrantfile(site, "ssh-rsa K");
  assert.ok(text.includes('  config.vm.box = "bento/almalinux-9"'));
  assert.ok(
    text.includes(
      [
        '  if Vagrant.has_plugin?("vagrant-proxyconf")',
        '    config.proxy.http = "http://10.0.2.2:3128"',
        '    config.proxy.https = "http://10.0.2.2:3128"',
        '    config.proxy.no_proxy = "localhost,127.0.0.1,p-hive0.vg,p-hive1.vg,p-hive2.vg,web"',
        "  end",
      ].join("\n"),
    ),
    text,
  );
  // hive:vars still wins over a `hive set` variable.
  writeFileSync(join(project, "Pulumi.private.yaml"), "config:\n  hive:vagrant_proxy: http://a:1\n  hive:vars:\n    hive_vagrant_proxy: http://b:2\n");
  assert.equal(resolveSiteOptions({ inventory: inv, stage: "private" }, project).vars.hive_vagrant_proxy, "http://b:2");
});

test("hive set variables become hive_<name>; http_proxy is not carried over (a different meaning in hive)", () => {
  const config: Record<string, unknown> = { vagrant_proxy: "p", tls_logging: "true", registry_backup_cleanup_days_before: "7", first_hive: "1", http_proxy: "localhost:3128" };
  assert.deepEqual(builderSetVars((k) => config[k]), {
    hive_vagrant_proxy: "p",
    hive_tls_logging: "true",
    hive_registry_backup_cleanup_days_before: "7",
    first_hive: "1",
  });
});
