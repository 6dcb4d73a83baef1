// `hive plan` reads the plain hive:* values of Pulumi.<stage>.yaml: halted, adminCidrs, allowDestroyProduction.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planCommand, SECURE_PLACEHOLDER, stackConfigFromFile } from "../../src/cli/commands/plan";
import { loadSite } from "../../src/inventory/load";

const inventory = path.join(__dirname, "../../examples/pdns/inventory");

test("stack config: plain hive values; a secure key that decides resources as a placeholder, other secure ones left out", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-stack-"));
  try {
    fs.writeFileSync(
      path.join(dir, "Pulumi.staging.yaml"),
      "config:\n  hive:halted: true\n  hive:adminCidrs:\n    - 198.51.100.0/24\n  hive:sshPrivateKey:\n    secure: AAAB\n  hive:vars:\n    secure: AAAC\n  aws:region: us-west-2\n",
    );
    assert.deepEqual(stackConfigFromFile(dir, "staging"), {
      config: { "hive:halted": true, "hive:adminCidrs": ["198.51.100.0/24"], "hive:sshPrivateKey": SECURE_PLACEHOLDER },
      secretKeys: ["hive:sshPrivateKey"],
    });
    assert.deepEqual(stackConfigFromFile(dir, "production"), { config: {}, secretKeys: [] });
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

test("a stage whose stack config gives the SSH key plans no generated key, as the program will not make one", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-stack-"));
  try {
    const plan = async () =>
      (JSON.parse(await planCommand({ stage: "staging", json: true }, { loadSite, projectRoot: dir })) as { resources: { type: string; name: string }[] }).resources;
    fs.writeFileSync(path.join(dir, "Pulumi.staging.yaml"), `config:\n  hive:inventory: ${inventory}\n`);
    assert.ok((await plan()).some((r) => r.name === "pdns-pki-ssh"));
    fs.writeFileSync(path.join(dir, "Pulumi.staging.yaml"), `config:\n  hive:inventory: ${inventory}\n  hive:sshPrivateKey:\n    secure: v1:AAAA\n`);
    const resources = await plan();
    assert.ok(!resources.some((r) => r.name === "pdns-pki-ssh"));
    assert.ok(resources.some((r) => r.name === "pdns-pki-ca"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
