// The ipaddr family of ansible.utils, against the examples of its documentation ("Using the ipaddr filter", the
// ipaddr, nthhost, ipmath and ipwrap filter pages); the expected values are what Ansible with netaddr answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ipaddr, ipmath, nthhost } from "../../src/inventory/ansible-ipaddr";
import { Scope, TemplateEngine, type VarDef } from "../../src/inventory/templates";

function ev(expr: string, vars: Record<string, unknown> = {}): unknown {
  const engine = new TemplateEngine({ env: {}, baseDir: "/" });
  const defs = new Map<string, VarDef>(Object.entries(vars).map(([k, raw]) => [k, { raw, pos: null }]));
  return engine.evaluate(expr, new Scope(engine, defs, {}));
}

const TEST_LIST = ["192.24.2.1", "host.fqdn", "::1", "192.168.32.0/24", "fe80::100/10", true, "", "42540766412265424405338506004571095040/64"];
const HOST_PREFIX = ["2001:db8:deaf:be11::ef3/64", "192.0.2.48/24", "255.255.255", "192.168.32.0/24", "fe80::100/10"];

const CASES: [string, unknown, Record<string, unknown>?][] = [
  // Basic tests: valid values come back, anything else is false.
  ["{{ '192.168.0.1' | ipaddr }}", "192.168.0.1"],
  ["{{ '192.168.32.0/24' | ipaddr }}", "192.168.32.0/24"],
  ["{{ 'fe80::100/10' | ipaddr }}", "fe80::100/10"],
  ["{{ 45443646733 | ipaddr }}", "::a:94a7:50d"],
  ["{{ '523454/24' | ipaddr }}", "0.7.252.190/24"],
  ["{{ 'localhost' | ipaddr }}", false],
  ["{{ 'space bar' | ipaddr }}", false],
  ["{{ 'fe80::100/10' | ipv4 }}", false],
  ["{{ 45443646733 | ipv4 }}", false],
  ["{{ '192.168.0.1' | ipv6 }}", false],
  // Lists: the items the query keeps.
  ["{{ l | ansible.utils.ipaddr }}", ["192.24.2.1", "::1", "192.168.32.0/24", "fe80::100/10", "2001:db8:32c:faad::/64"], { l: TEST_LIST }],
  ["{{ l | ansible.utils.ipv4 }}", ["192.24.2.1", "192.168.32.0/24"], { l: TEST_LIST }],
  ["{{ l | ansible.utils.ipv6 }}", ["::1", "fe80::100/10", "2001:db8:32c:faad::/64"], { l: TEST_LIST }],
  ["{{ l | ipaddr('address') }}", ["192.24.2.1", "::1", "fe80::100", "2001:db8:32c:faad::"], { l: TEST_LIST }],
  ["{{ l | ipaddr('host') }}", ["192.24.2.1/32", "::1/128", "fe80::100/10"], { l: TEST_LIST }],
  ["{{ l | ipaddr('net') }}", ["192.168.32.0/24", "2001:db8:32c:faad::/64"], { l: TEST_LIST }],
  ["{{ l | ipaddr('public') }}", ["192.24.2.1"], { l: TEST_LIST }],
  ["{{ l | ipaddr('private') }}", ["::1", "192.168.32.0/24", "fe80::100/10", "2001:db8:32c:faad::/64"], { l: TEST_LIST }],
  ["{{ l | ipaddr('192.0.0.0/8') }}", ["192.24.2.1", "192.168.32.0/24"], { l: TEST_LIST }],
  ["{{ l | ipaddr('host/prefix') }}", ["2001:db8:deaf:be11::ef3/64", "192.0.2.48/24", "fe80::100/10"], { l: HOST_PREFIX }],
  // Information about hosts and networks.
  ["{{ '192.168.0.0/255.255.255.0' | ipaddr('prefix') }}", 24],
  ["{{ '192.168.0.1/24' | ipaddr('network') }}", "192.168.0.0"],
  ["{{ '192.168.0.1/24' | ipaddr('netmask') }}", "255.255.255.0"],
  ["{{ '192.168.0.1/24' | ipaddr('broadcast') }}", "192.168.0.255"],
  ["{{ '192.168.0.1/24' | ipaddr('network/prefix') }}", "192.168.0.0/24"],
  ["{{ '192.168.0.1/24' | ipaddr('size') }}", 256],
  ["{{ '192.168.122.1/24' | ipaddr('net') }}", null],
  // The nth address of a network (hive-builder's Zabbix addresses are ipaddr(2), (3), (4) of a subnet).
  ["{{ '192.168.122.0/24' | ipaddr('net') | ipaddr(-1) }}", "192.168.122.255/24"],
  ["{{ '192.168.122.0/24' | ipaddr(5) }}", "192.168.122.5/24"],
  ["{{ '172.21.0.0/16' | ipaddr(2) | ipaddr('address') }}", "172.21.0.2"],
  ["{{ '10.0.0.0/8' | ansible.utils.nthhost(305) }}", "10.0.1.49"],
  ["{{ '192.168.1.5' | ansible.utils.ipmath(5) }}", "192.168.1.10"],
  ["{{ '192.168.0.1' | ansible.utils.ipmath(-10) }}", "192.167.255.247"],
  ["{{ '2001::1' | ansible.utils.ipmath(10) }}", "2001::b"],
  ["{{ ['192.24.2.1', 'host.fqdn', '::1', '192.168.32.0/24', 'fe80::100/10', True] | ansible.utils.ipwrap }}", ["192.24.2.1", "host.fqdn", "[::1]", "192.168.32.0/24", "[fe80::100]/10", true]],
  ["{{ '2001:db8::1/64' | ansible.netcommon.ipaddr('address') }}", "2001:db8::1"],
];

for (const [expr, want, vars] of CASES) {
  test(`ipaddr: ${expr}`, () => assert.deepEqual(ev(expr, vars), want));
}

test("ipaddr: an unknown query is an error naming the filter", () => {
  assert.throws(() => ev("{{ '10.0.0.1' | ipv4('nonsense') }}"), /filter ipv4: unknown filter type: nonsense/);
});

const v4 = fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }));
const ipText = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");

test("ipaddr: network, broadcast and size agree; nthhost(0) is the network, ipmath walks addresses (IPv4)", () => {
  fc.assert(
    fc.property(v4, ([ip, prefix]) => {
      const value = `${ipText(ip)}/${prefix}`;
      const size = 2 ** (32 - prefix);
      const net = Math.floor(ip / size) * size;
      assert.equal(ipaddr(value, "network"), ipText(net));
      assert.equal(ipaddr(value, "size"), size);
      assert.equal(ipaddr(value, "subnet"), `${ipText(net)}/${prefix}`);
      assert.equal(ipaddr(value, "broadcast"), size > 2 ? ipText(net + size - 1) : null);
      assert.equal(nthhost(value, 0), ipText(net));
      if (ip < 2 ** 32 - 1) assert.equal(ipmath(ipText(ip), 1), ipText(ip + 1));
    }),
  );
});

test("ipaddr: an IPv6 address written any way comes back in its one compact form", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }).map((w) => (w % 3 === 0 ? 0 : w)), { minLength: 8, maxLength: 8 }), (words) => {
      const full = words.map((w) => w.toString(16).padStart(4, "0")).join(":");
      const compact = ipaddr(full, "address") as string;
      assert.equal(ipaddr(compact, "address"), compact);
      assert.equal(ipaddr(compact.toUpperCase(), "int"), ipaddr(full, "int"));
      assert.ok(!compact.includes(":::") && compact.split("::").length <= 2, compact);
    }),
  );
});
