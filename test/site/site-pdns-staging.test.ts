// The whole program for the pdns staging site (loaded from the example inventory) under the plan's mocks:
// the Site's layers, their order, the stored allocation ledger and that no secret reaches a plain output.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSite } from "../../src/inventory";
import { planSite, type PlanView } from "../helpers/plan";

const inventoryDir = join(__dirname, "../../examples/pdns/inventory");
let view: PlanView;

before(async () => {
  const site = loadSite({ inventoryDir, stage: "staging", env: {}, contextDir: "/ctx" });
  view = await planSite(site);
});

test("the Site holds one component per phase, every server set up", () => {
  const children = view.all.filter((r) => view.parentName(r) === "pdns").map((r) => `${r.type} ${r.name}`).sort();
  assert.deepEqual(children, [
    "hive:host:HostSetup pdns-s-hive0",
    "hive:host:HostSetup pdns-s-hive1",
    "hive:host:HostSetup pdns-s-hive2",
    "hive:host:HostSetup pdns-s-hive3",
    "hive:infra:AwsHostFleet pdns-aws",
    "hive:pki:Pki pdns-pki",
    "hive:repository:RepositoryServer pdns-repository",
    "hive:services:Workloads pdns-workloads",
    "hive:site:Secrets pdns-secrets",
    "hive:swarm:SwarmCluster pdns-swarm",
    "random:index/randomPassword:RandomPassword pdns-zabbix-db-password",
  ]);
});

test("host setup connects to each server's Elastic IP only once the address exists", () => {
  const base = view.get("command:remote:Command", "pdns-s-hive0-base");
  const deps = view.dependencyNames(base);
  assert.ok(deps.includes("pdns-aws-s-hive0-eip"), deps.join(", "));
  const connection = (base.inputs.connection as { value: { host: string; user: string } }).value;
  assert.equal(connection.host, "203.0.113.10");
  assert.equal(connection.user, "ec2-user");
});

test("everything made through a docker provider waits for the host setup, the swarm and the repository server; the providers need no host", () => {
  const provider = view.get("pulumi:providers:docker", "pdns-workloads-docker-s-hive0");
  // A phase command on a new stack has the engine configure every provider, so they depend on nothing a later phase makes.
  assert.ok(!view.dependencyNames(provider).some((n) => /^pdns-(s-hive\d|swarm|repository)/.test(n)), view.dependencyNames(provider).join(", "));
  const providerUrns = view.byType("pulumi:providers:docker").map((p) => p.urn);
  const made = view.all.filter((r) => r.custom && providerUrns.some((u) => r.provider.startsWith(`${u}::`)));
  assert.ok(made.length > 10, `${made.length} resources use a docker provider`);
  for (const r of made) {
    const deps = view.dependencyNames(r);
    for (const name of ["pdns-s-hive0-docker", "pdns-s-hive3-base", "pdns-swarm-init", "pdns-swarm-join-s-hive2", "pdns-repository-registry", "pdns-repository-ansible-venv"]) {
      assert.ok(deps.includes(name), `${r.type} ${r.name}: ${name} missing from ${deps.join(", ")}`);
    }
  }
});

test("the registry password is one generated secret shared by the repository and the services", () => {
  const passwords = view.byType("random:index/randomPassword:RandomPassword").map((r) => r.name).sort();
  assert.deepEqual(passwords, ["pdns-secrets-registry_password", "pdns-zabbix-db-password"]);
  const registry = view.get("random:index/randomPassword:RandomPassword", "pdns-secrets-registry_password");
  assert.deepEqual([registry.inputs.length, registry.inputs.special], [15, false]);
  const service = view.get("docker:index/service:Service", "pdns-workloads-service-pdnsdb-service");
  assert.equal(view.inputs(service).taskSpec, "[secret]");
  const raw = service.inputs.taskSpec as { value: { containerSpec: { env: Record<string, string> } } };
  // The mocks realise every password as "p" × its length: the service gets the 15-character registry password.
  assert.equal(raw.value.containerSpec.env.MYSQL_PASSWORD, "p".repeat(15));
  assert.equal(raw.value.containerSpec.env.MYSQL_USER, "powerdns");
});

test("the stack outputs store the allocation ledger and keep keys and passwords secret", () => {
  const outputs = view.plan.outputs as Record<string, unknown>;
  assert.deepEqual(outputs.allocations, {
    ports: {},
    minors: { letsencrypt_data: 4, pdnsadmin_data: 2, pdnsdb_data: 1, proxy_config: 3 },
  });
  const plain = JSON.stringify(Object.fromEntries(Object.entries(outputs).filter(([k]) => k !== "sshPrivateKey")));
  assert.doesNotMatch(plain, /PRIVATE KEY/);
  assert.doesNotMatch(plain, /ppppppppppppppp/, "a generated password in a plain output");
  assert.equal(JSON.stringify(outputs.sshPrivateKey).includes("4dabf18193072939515e22adb298388d"), true, "the private key output is not secret");
});
