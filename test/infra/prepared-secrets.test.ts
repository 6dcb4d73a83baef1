// A prepared stage with a root password (a generated secret) and a user-supplied SSH key: the bootstrap
// commands, and proof that no secret appears unmasked in the plan's renderings or in plain outputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { preparedSite } from "../helpers/site-fixture";
import { planSite, type PlanView } from "../helpers/plan";
import { maskSecrets, planToJson, renderDot, renderTree } from "../../src/plan/render";
import { BOOTSTRAP_SCRIPT } from "../../components/infra/prepared";

const PASSWORD = "Sup3r-S3cret-pw";
const PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAA-secret-body\n-----END OPENSSH PRIVATE KEY-----\n";
const site = preparedSite({ rootPassword: { kind: "secret", parts: ["root-", { secret: "registry_password" }] } });
let view: PlanView;

test.before(async () => {
  view = await planSite(site, { secrets: { registry_password: pulumi.secret(PASSWORD) }, sshPrivateKeyPem: pulumi.secret(PRIVATE_KEY) });
});

test("no cloud resources: the pki, the fleet and one bootstrap command per server", () => {
  const infra = view.all.filter((r) => ["pdns-pki", "pdns-prepared"].includes(view.parentName(r) ?? ""));
  assert.deepEqual(
    infra.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")).map((r) => `${r.type} ${r.name}`).sort(),
    [
      "command:remote:Command pdns-prepared-s-hive0-bootstrap",
      "command:remote:Command pdns-prepared-s-hive1-bootstrap",
      "command:remote:Command pdns-prepared-s-hive2-bootstrap",
      "tls:index/privateKey:PrivateKey pdns-pki-ca",
      "tls:index/selfSignedCert:SelfSignedCert pdns-pki-ca",
    ],
  );
  assert.deepEqual(view.plan.invokes.map((i) => i.token), ["tls:index/getPublicKey:getPublicKey"]);
});

test("the bootstrap logs in as root at the inventory address with the password, which stays secret", () => {
  const cmd = view.get("command:remote:Command", "pdns-prepared-s-hive1-bootstrap");
  assert.equal(view.parentName(cmd), "pdns-prepared");
  assert.equal(view.inputs(cmd).connection, "[secret]");
  const connection = (cmd.inputs.connection as { value: { host: string; user: string; password: string } }).value;
  assert.equal(connection.host, "10.0.0.12");
  assert.equal(connection.user, "root");
  assert.equal(connection.password, `root-${PASSWORD}`);
  const create = String(cmd.inputs.create);
  assert.ok(create.startsWith("HIVE_ADMIN_USER='admin'\nHIVE_ADMIN_PUBKEY='ssh-rsa "), create.slice(0, 80));
  assert.ok(create.endsWith(BOOTSTRAP_SCRIPT));
  assert.ok(!create.includes(PASSWORD));
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
