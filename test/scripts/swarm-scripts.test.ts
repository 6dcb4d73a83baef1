import { test } from "node:test";
import assert from "node:assert/strict";
import { Machine, proveIdempotent } from "./harness";

const swarmActive = (m: Machine, role = "manager") => {
  m.stateFile("docker/swarm", "active\n");
  m.stateFile("docker/role", `${role}\n`);
};

test("gwbridge: created from internal_cidr while the node is in no swarm", () => {
  proveIdempotent({
    kind: "gwbridge",
    os: "el9",
    env: { HIVE_GWBRIDGE_SUBNET: "10.254.128.0/19" },
    expect: [
      "docker network create --subnet 10.254.128.0/19 --opt com.docker.network.bridge.name=docker_gwbridge --opt com.docker.network.bridge.enable_icc=false --opt com.docker.network.bridge.enable_ip_masquerade=true docker_gwbridge",
    ],
    failAt: "docker network create",
    check: (m) => assert.equal(m.readState("docker/networks/docker_gwbridge"), "10.254.128.0/19\n"),
  });
});

test("gwbridge: a different existing subnet is reported, not changed; a swarm node without it is an error", () => {
  const m = new Machine("el9");
  try {
    m.stateFile("docker/networks/docker_gwbridge", "172.18.0.0/16\n");
    const r = m.run("gwbridge", { HIVE_GWBRIDGE_SUBNET: "10.254.128.0/19" });
    assert.equal(r.status, 0);
    assert.deepEqual(r.mutations, []);
    assert.match(r.stdout, /warning: docker_gwbridge has subnet 172.18.0.0\/16, not 10.254.128.0\/19/);
    const n = new Machine("el9");
    try {
      swarmActive(n);
      const r2 = n.run("gwbridge", { HIVE_GWBRIDGE_SUBNET: "10.254.128.0/19" });
      assert.equal(r2.status, 1);
      assert.match(r2.stderr, /gwbridge: error: node is in swarm state 'active' without docker_gwbridge/);
    } finally {
      n.cleanup();
    }
  } finally {
    m.cleanup();
  }
});

test("swarm-init: init once, then the ingress network from internal_cidr", () => {
  proveIdempotent({
    kind: "swarm-init",
    os: "el9",
    env: { HIVE_ADVERTISE_ADDR: "192.168.0.4", HIVE_INGRESS_SUBNET: "10.254.64.0/18", HIVE_INGRESS_GATEWAY: "10.254.64.1" },
    setup: (m) => m.stateFile("hostname", "s-hive0\n"),
    expect: [
      "docker swarm init --advertise-addr 192.168.0.4",
      "docker network rm ingress",
      "docker network create --driver overlay --ingress --subnet 10.254.64.0/18 --gateway 10.254.64.1 apiarist-ingress",
    ],
    failAt: "docker network create",
  });
});

test("swarm-init: never re-initialises an existing swarm; a worker node is an error", () => {
  const m = new Machine("ubuntu24");
  try {
    swarmActive(m);
    const r = m.run("swarm-init", { HIVE_ADVERTISE_ADDR: "192.168.0.4" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.mutations, []);
    swarmActive(m, "worker");
    const r2 = m.run("swarm-init", { HIVE_ADVERTISE_ADDR: "192.168.0.4" });
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /swarm-init: error: this node is in a swarm but is not a manager/);
  } finally {
    m.cleanup();
  }
});

test("swarm-token: prints the manager token and changes nothing; fails on a non-manager", () => {
  const m = new Machine("el9");
  try {
    swarmActive(m);
    m.stateFile("docker/expected-token", "SWMTKN-1-abc\n");
    const r = m.run("swarm-token", {});
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "SWMTKN-1-abc\n");
    assert.deepEqual(r.mutations, []);
    swarmActive(m, "worker");
    const r2 = m.run("swarm-token", {});
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /swarm-token: error: this node is not a swarm manager/);
  } finally {
    m.cleanup();
  }
});

test("swarm-join: joins as a manager with the token from stdin, once", () => {
  proveIdempotent({
    kind: "swarm-join",
    os: "el9",
    env: { HIVE_ADVERTISE_ADDR: "192.168.0.5", HIVE_MANAGER_ADDR: "192.168.0.4:2377" },
    secrets: { HIVE_JOIN_TOKEN: "SWMTKN-1-secret" },
    setup: (m) => m.stateFile("docker/expected-token", "SWMTKN-1-secret\n"),
    expect: ["docker swarm join --advertise-addr 192.168.0.5 --token SWMTKN-1-secret 192.168.0.4:2377"],
    failAt: "docker swarm join",
  });
});

test("swarm-join: the token is not in the command text; a wrong token fails", () => {
  const m = new Machine("el9");
  try {
    m.stateFile("docker/expected-token", "SWMTKN-1-right\n");
    const r = m.run("swarm-join", { HIVE_ADVERTISE_ADDR: "192.168.0.5", HIVE_MANAGER_ADDR: "192.168.0.4:2377" }, { HIVE_JOIN_TOKEN: "SWMTKN-1-wrong" });
    assert.equal(r.status, 1);
    assert.ok(!r.command.includes("SWMTKN"));
    assert.match(r.stderr, /invalid join token/);
  } finally {
    m.cleanup();
  }
});

test("node-labels: adds the missing <group>=true labels", () => {
  proveIdempotent({
    kind: "node-labels",
    os: "el9",
    env: { HIVE_NODE: "s-hive1", HIVE_LABELS: "hives servers staging" },
    setup: (m) => {
      swarmActive(m);
      m.stateFile("docker/nodes/s-hive1/labels", "servers=true\n");
    },
    expect: ["docker node update --label-add hives=true --label-add staging=true s-hive1"],
    failAt: "docker node update",
    check: (m) => assert.equal(m.readState("docker/nodes/s-hive1/labels"), "servers=true\nhives=true\nstaging=true\n"),
  });
});

test("node-labels remove: removes the labels, tolerates a node that is gone; add on a missing node fails", () => {
  const m = new Machine("el9");
  try {
    swarmActive(m);
    m.stateFile("docker/nodes/s-hive1/labels", "hives=true\nzone=a\n");
    const r = m.run("node-labels", { HIVE_NODE: "s-hive1", HIVE_LABELS: "hives servers", HIVE_LABEL_MODE: "remove" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.mutations, ["docker node update --label-rm hives s-hive1"]);
    assert.equal(m.readState("docker/nodes/s-hive1/labels"), "zone=a\n");
    const gone = m.run("node-labels", { HIVE_NODE: "s-hive9", HIVE_LABELS: "hives", HIVE_LABEL_MODE: "remove" });
    assert.equal(gone.status, 0, gone.stderr);
    assert.match(gone.stdout, /node s-hive9 is gone/);
    const add = m.run("node-labels", { HIVE_NODE: "s-hive9", HIVE_LABELS: "hives" });
    assert.equal(add.status, 1);
    assert.match(add.stderr, /node-labels: error: node s-hive9 is not in the swarm/);
  } finally {
    m.cleanup();
  }
});

test("node-labels remove: labels claimed since by another step resource are left in place", () => {
  const m = new Machine("el9");
  try {
    swarmActive(m);
    m.stateFile("docker/nodes/s-hive1/labels", "");
    const env = { HIVE_NODE: "s-hive1", HIVE_LABELS: "hives" };
    assert.equal(m.run("node-labels", { ...env, HIVE_OWNER: "site-swarm-labels-s-hive1" }).status, 0);
    assert.equal(m.run("node-labels", { ...env, HIVE_OWNER: "site-swarm-node-labels-s-hive1" }).status, 0);
    const stale = m.run("node-labels", { ...env, HIVE_OWNER: "site-swarm-labels-s-hive1", HIVE_LABEL_MODE: "remove" });
    assert.equal(stale.status, 0, stale.stderr);
    assert.deepEqual(stale.mutations, []);
    assert.equal(m.readState("docker/nodes/s-hive1/labels"), "hives=true\n");
    const own = m.run("node-labels", { ...env, HIVE_OWNER: "site-swarm-node-labels-s-hive1", HIVE_LABEL_MODE: "remove" });
    assert.deepEqual(own.mutations, ["docker node update --label-rm hives s-hive1"]);
  } finally {
    m.cleanup();
  }
});

test("node-labels: group labels hive no longer wants are removed, other labels are kept", () => {
  const m = new Machine("el9");
  try {
    swarmActive(m);
    m.stateFile("docker/nodes/s-hive2/labels", "hives=true\nrepository=true\nservers=true\nleader=true\n");
    const env = { HIVE_NODE: "s-hive2", HIVE_LABELS: "hives servers", HIVE_KNOWN_LABELS: "first_hive hives repository servers staging" };
    const r = m.run("node-labels", env);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.mutations, ["docker node update --label-rm repository s-hive2"]);
    assert.equal(m.readState("docker/nodes/s-hive2/labels"), "hives=true\nservers=true\nleader=true\n");
    assert.deepEqual(m.run("node-labels", env).mutations, []);
  } finally {
    m.cleanup();
  }
});
