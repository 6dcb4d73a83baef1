// A prepared stage with a root password (a generated secret) and a user-supplied SSH key: the access
// commands, and proof that no secret appears unmasked in the plan's renderings or in plain outputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { preparedSite } from "../helpers/site-fixture";
import { planSite, type PlanView } from "../helpers/plan";
import { maskSecrets, planToJson, renderDot, renderTree } from "../../src/plan/render";
import { ACCESS_SCRIPT, ADMIN_USER_SCRIPT } from "../../components/infra/access";

const PASSWORD = "Sup3r-S3cret-pw";
const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAA-secret-body\n-----END OPENSSH PRIVATE KEY-----\n";
const site = preparedSite({ rootPassword: { kind: "secret", parts: ["root-", { secret: "registry_password" }] } });
let view: PlanView;

test.before(async () => {
  view = await planSite(site, { secrets: { registry_password: pulumi.secret(PASSWORD) }, sshPrivateKeyPem: pulumi.secret(PRIVATE_KEY) });
});

test("no cloud resources: the pki, the fleet and one access command per server", () => {
  const infra = view.all.filter((r) => ["pdns-pki", "pdns-prepared"].includes(view.parentName(r) ?? ""));
  assert.deepEqual(
    infra.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).map((r) => `${r.type} ${r.name}`).sort(),
    [
      "command:local:Command pdns-prepared-s-hive0-access",
      "command:local:Command pdns-prepared-s-hive1-access",
      "command:local:Command pdns-prepared-s-hive2-access",
      "tls:index/privateKey:PrivateKey pdns-pki-ca",
      "tls:index/selfSignedCert:SelfSignedCert pdns-pki-ca",
    ],
  );
  assert.deepEqual(view.plan.invokes.map((i) => i.token), ["tls:index/getPublicKey:getPublicKey"]);
});

test("a key in OpenSSH's format reaches the tls provider as privateKeyOpenssh, a PEM key as privateKeyPem", async () => {
  assert.equal(view.plan.invokes[0].inputs.privateKeyOpenssh, PRIVATE_KEY);
  assert.equal(view.plan.invokes[0].inputs.privateKeyPem ?? undefined, undefined);
  const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIsecret-body\n-----END RSA PRIVATE KEY-----\n";
  const pemView = await planSite(site, { secrets: { registry_password: pulumi.secret(PASSWORD) }, sshPrivateKeyPem: pulumi.secret(pem) });
  assert.equal(pemView.plan.invokes[0].inputs.privateKeyPem, pem);
  assert.equal(pemView.plan.invokes[0].inputs.privateKeyOpenssh ?? undefined, undefined);
});

test("the access command runs locally; its secrets travel on stdin, its texts hold none", () => {
  const cmd = view.get("command:local:Command", "pdns-prepared-s-hive1-access");
  assert.equal(view.parentName(cmd), "pdns-prepared");
  assert.deepEqual(cmd.inputs.environment, { HIVE_HOST: "10.0.0.12", HIVE_ADMIN_USER: "admin", HIVE_USER_SCRIPT: ADMIN_USER_SCRIPT });
  assert.equal(cmd.inputs.create, `HIVE_ACTION=grant\n${ACCESS_SCRIPT}`);
  assert.equal(cmd.inputs.update, undefined, "an update runs create again");
  assert.equal(cmd.inputs.delete, `HIVE_ACTION=release\nHIVE_DIAL_TRIES=3\n${ACCESS_SCRIPT}`);
  assert.equal(cmd.inputs.triggers, undefined);
  assert.equal(view.inputs(cmd).stdin, "[secret]");
  const stdin = (cmd.inputs.stdin as { value: string }).value;
  const lines = Object.fromEntries(stdin.trim().split("\n").map((l) => [l.split("=")[0], Buffer.from(l.slice(l.indexOf("=") + 1), "base64").toString()]));
  assert.deepEqual(Object.keys(lines), ["HIVE_KEY", "HIVE_ROOT_PASSWORD"]);
  assert.equal(lines.HIVE_ROOT_PASSWORD, `root-${PASSWORD}`);
  assert.equal(lines.HIVE_KEY, PRIVATE_KEY);
  for (const text of [cmd.inputs.create, cmd.inputs.delete, JSON.stringify(cmd.inputs.environment)]) {
    assert.ok(!String(text).includes(PASSWORD) && !String(text).includes("secret-body"));
  }
});

test("every step of a server waits for its access command", () => {
  const access = view.get("command:local:Command", "pdns-prepared-s-hive1-access");
  const base = view.all.find((r) => r.type === "command:remote:Command" && r.name.includes("s-hive1") && r.name.endsWith("-base"));
  assert.ok(base, "a base step for s-hive1");
  assert.ok(base.dependencies.includes(access.urn), "base depends on the access command");
});

test("servers are reached at their private addresses", () => {
  const outputs = view.plan.outputs as { servers: Record<string, { publicIp: string; privateIp: string }>; sshConfig: string };
  assert.deepEqual(outputs.servers["s-hive0.pdns"], { publicIp: "10.0.0.11", privateIp: "10.0.0.11", adminUser: "admin" });
  assert.ok(outputs.sshConfig.includes("Host s-hive2.pdns s-hive2\n  HostName 10.0.0.13\n  User admin\n"));
});

test("no secret appears in the tree, JSON or dot renderings, nor in plain outputs", () => {
  const texts = {
    tree: renderTree(view.plan),
    json: JSON.stringify(planToJson(view.plan)),
    dot: renderDot(view.plan),
    plainOutputs: JSON.stringify(maskSecrets(view.plan.outputs)),
  };
  for (const [what, text] of Object.entries(texts)) {
    for (const secret of [PASSWORD, "secret-body", "PRIVATE KEY"]) assert.ok(!text.includes(secret), `${what} contains ${secret}`);
  }
  assert.ok(texts.tree.includes("connection=[secret]"));
  assert.equal((planToJson(view.plan).outputs as Record<string, unknown>).sshPrivateKey, "[secret]");
  // The key is in the outputs, but only as a secret.
  assert.ok(JSON.stringify(view.plan.outputs).includes("secret-body"));
});
