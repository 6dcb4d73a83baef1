// Azure with an existing resource group (prepared_resource_group), a region without zones (not_support_az),
// halted, and a CA supplied by the user.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { pdnsProduction } from "../helpers/site-fixture";
import { planSite, type PlanView } from "../helpers/plan";

const CA_KEY = "-----BEGIN PRIVATE KEY-----\nsupplied-ca-key-body\n-----END PRIVATE KEY-----\n";
const site = pdnsProduction({ stage: "staging", hosts: 2, separateRepository: false, preparedResourceGroup: "existing-rg", notSupportAz: true, imageName: null });
let view: PlanView;

test.before(async () => {
  view = await planSite(site, { halted: true, caCertPem: "-----BEGIN CERTIFICATE-----\nsupplied\n-----END CERTIFICATE-----\n", caKeyPem: pulumi.secret(CA_KEY) });
});

test("the existing resource group is looked up, not created, and every resource goes into it", () => {
  assert.equal(view.byType("azure-native:resources:ResourceGroup").length, 0);
  assert.deepEqual(view.plan.invokes.map((i) => [i.token, i.inputs.resourceGroupName]), [["azure-native:resources:getResourceGroup", "existing-rg"]]);
  for (const r of view.all.filter((r) => r.type.startsWith("azure-native:"))) assert.equal(r.inputs.resourceGroupName, "existing-rg", r.name);
});

test("no zones anywhere; the default AlmaLinux 9 image", () => {
  for (const r of view.all.filter((r) => r.type.startsWith("azure-native:compute:"))) assert.equal(r.inputs.zones, undefined, r.name);
  const vm = view.get("azure-native:compute:VirtualMachine", "pdns-azure-s-hive0");
  assert.deepEqual((vm.inputs.storageProfile as { imageReference: unknown }).imageReference, { publisher: "almalinux", offer: "almalinux-x86_64", sku: "9-gen2", version: "latest" });
});

test("halted: a deallocate command per VM that starts it again when removed", () => {
  const halts = view.byType("command:local:Command");
  assert.deepEqual(halts.map((h) => h.name).sort(), ["pdns-azure-s-hive0-halt", "pdns-azure-s-hive1-halt"]);
  const [halt] = halts;
  assert.equal(halt.inputs.create, 'az vm deallocate --ids "$VM_ID"');
  assert.equal(halt.inputs.delete, 'az vm start --ids "$VM_ID"');
  assert.match(String((halt.inputs.environment as { VM_ID: string }).VM_ID), /^\/subscriptions\/.*VirtualMachine\/pdns-azure-s-hive\d$/);
});

test("a supplied CA replaces the generated one; only the SSH key is generated", () => {
  const pki = view.all.filter((r) => r.type.startsWith("tls:") && view.parentName(r) === "pdns-pki");
  assert.deepEqual(pki.map((r) => r.name), ["pdns-pki-ssh"]);
  assert.ok(!JSON.stringify(view.all.map((r) => view.inputs(r))).includes("supplied-ca-key-body"));
});
