// `hive plan` reads the plain hive:* values of Pulumi.<stage>.yaml: halted, adminCidrs, allowDestroyProduction.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planCommand, stackConfigFromFile } from "../../src/cli/commands/plan";
import { loadSite } from "../../src/inventory/load";

const inventory = path.join(__dirname, "../../examples/pdns/inventory");

test("stack config: plain hive values only, secure ones left out", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-stack-"));
  try {
    fs.writeFileSync(
      path.join(dir, "Pulumi.staging.yaml"),
      "config:\n  hive:halted: true\n  hive:adminCidrs:\n    - 198.51.100.0/24\n  hive:sshPrivateKey:\n    secure: AAAB\n  aws:region: us-west-2\n",
    );
    assert.deepEqual(stackConfigFromFile(dir, "staging"), { "hive:halted": true, "hive:adminCidrs": ["198.51.100.0/24"] });
    assert.deepEqual(stackConfigFromFile(dir, "production"), {});
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a halted production stage with SSH limited to the admin network, destruction allowed", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-stack-"));
  try {
    fs.writeFileSync(
      path.join(dir, "Pulumi.production.yaml"),
      `config:\n  hive:inventory: ${inventory}\n  hive:halted: true\n  hive:allowDestroyProduction: true\n  hive:adminCidrs:\n    - 198.51.100.0/24\n`,
    );
    const out = JSON.parse(await planCommand({ stage: "production", json: true }, { loadSite, projectRoot: dir })) as {
      resources: { type: string; name: string; protect: boolean; inputs: Record<string, unknown> }[];
    };
    assert.deepEqual(out.resources.filter((r) => r.protect), []);
    const halts = out.resources.filter((r) => r.type === "command:local:Command").map((r) => r.name).sort();
    assert.deepEqual(halts, ["pdns-azure-hive0-halt", "pdns-azure-hive1-halt", "pdns-azure-hive2-halt", "pdns-azure-hive3-halt"]);
    const nsg = out.resources.find((r) => r.type === "azure-native:network:NetworkSecurityGroup");
    const ssh = (nsg?.inputs.securityRules as { name: string; sourceAddressPrefixes?: string[] }[]).find((r) => r.name === "ssh");
    assert.deepEqual(ssh?.sourceAddressPrefixes, ["198.51.100.0/24"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
