// Ansible's filters and lookups as inventories use them, checked against the examples of the Ansible
// documentation (docs.ansible.com: "Using filters to manipulate data", the builtin filter and lookup pages).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSite } from "../../src/inventory";
import { Scope, TemplateEngine, type VarDef } from "../../src/inventory/templates";
import { HIVE, writeInventory } from "./helpers";

function ev(expr: string, vars: Record<string, unknown> = {}, baseDir = "/"): unknown {
  const engine = new TemplateEngine({ env: { HOME: "/home/op" }, baseDir });
  const defs = new Map<string, VarDef>(Object.entries(vars).map(([k, raw]) => [k, { raw, pos: null }]));
  return engine.evaluate(expr, new Scope(engine, defs, {}));
}

const CASES: [string, unknown, Record<string, unknown>?][] = [
  // Paths (os.path).
  ["{{ '/etc/asdf/foo.txt' | dirname }}", "/etc/asdf"],
  ["{{ '/etc/asdf/foo.txt' | basename }}", "foo.txt"],
  ["{{ 'foo.txt' | dirname }}", ""],
  ["{{ '/etc/asdf/' | basename }}", ""],
  // Base64.
  ["{{ 'Hello' | b64encode }}", "SGVsbG8="],
  ["{{ 'SGVsbG8=' | b64decode }}", "Hello"],
  // Regular expressions.
  ["{{ 'ansible' | regex_replace('^a.*i(.*)$', 'a\\\\1') }}", "able"],
  ["{{ 'foobar' | regex_replace('^f.*o(.*)$', '\\\\1') }}", "bar"],
  ["{{ 'localhost:80' | regex_replace('^(?P<host>.+):(?P<port>\\\\d+)$', '\\\\g<host>, \\\\g<port>') }}", "localhost, 80"],
  ["{{ 'localhost:80' | regex_replace(':80') }}", "localhost"],
  ["{{ 'CAR' | regex_replace('a', 'x', ignorecase=True) }}", "CxR"],
  ["{{ 'price $5' | regex_replace('\\\\$(\\\\d)', '\\\\1 dollars') }}", "price 5 dollars"],
  ["{{ 'server1/database42' | regex_search('database[0-9]+') }}", "database42"],
  ["{{ 'server1/database42' | regex_search('server([0-9]+)/database([0-9]+)', '\\\\1', '\\\\2') }}", ["1", "42"]],
  ["{{ 'ansible' | regex_search('foobar') }}", null],
  // Dictionaries.
  ["{{ {'a':1, 'b':2} | combine({'b':3}) }}", { a: 1, b: 3 }],
  ["{{ {'a':{'foo':1, 'bar':2}, 'b':2} | combine({'a':{'bar':3, 'baz':4}}, recursive=True) }}", { a: { foo: 1, bar: 3, baz: 4 }, b: 2 }],
  ["{{ {'a':{'foo':1, 'bar':2}, 'b':2} | combine({'a':{'bar':3, 'baz':4}}) }}", { a: { bar: 3, baz: 4 }, b: 2 }],
  ["x={{ {'k': {'v': '}}'}} | to_json }}", 'x={"k": {"v": "}}"}}'],
  ["{{ x | combine(y, recursive=True) }}", { a: { foo: 1, bar: 3, baz: 4 }, b: 2 }, { x: { a: { foo: 1, bar: 2 }, b: 2 }, y: { a: { bar: 3, baz: 4 } } }],
  ["{{ x | combine(y) }}", { a: { bar: 3, baz: 4 }, b: 2 }, { x: { a: { foo: 1, bar: 2 }, b: 2 }, y: { a: { bar: 3, baz: 4 } } }],
  ["{{ tags | dict2items }}", [{ key: "Application", value: "payment" }, { key: "Environment", value: "dev" }], { tags: { Application: "payment", Environment: "dev" } }],
  ["{{ files | dict2items(key_name='file', value_name='path') }}", [{ file: "users", path: "/etc/passwd" }], { files: { users: "/etc/passwd" } }],
  ["{{ tags | items2dict }}", { Application: "payment", Environment: "dev" }, { tags: [{ key: "Application", value: "payment" }, { key: "Environment", value: "dev" }] }],
  ["{{ tags | items2dict(key_name='k', value_name='v') }}", { a: 1 }, { tags: [{ k: "a", v: 1 }] }],
  // JSON and YAML.
  ["{{ {'a': 1, 'b': [True, None]} | to_json }}", '{"a": 1, "b": [true, null]}'],
  ["{{ {'b': 1, 'a': 'é'} | to_nice_json }}", '{\n    "a": "\\u00e9",\n    "b": 1\n}'],
  ["{{ '{\"a\": [1, 2]}' | from_json }}", { a: [1, 2] }],
  ["{{ 'a: 1\\nb: [x, y]' | from_yaml }}", { a: 1, b: ["x", "y"] }],
  // YAML as PyYAML's dump writes it (expected texts produced by PyYAML 6).
  ["{{ v | to_yaml }}", "a: {n: null, x: y}\nb: [1, 2]\nc: hello world\nd: 'yes'\ne: '1'\nf: ''\ng: true\nh: 1.5\ni:\n- {k: 1}\n- {k: 2}\nj: 'a: b'\n", { v: { b: [1, 2], a: { x: "y", n: null }, c: "hello world", d: "yes", e: "1", f: "", g: true, h: 1.5, i: [{ k: 1 }, { k: 2 }], j: "a: b" } }],
  ["{{ v | to_nice_yaml }}", "a:\n    n: null\n    x: y\nb:\n- 1\n- 2\ni:\n-   k: 1\n-   k: 2\n", { v: { b: [1, 2], a: { x: "y", n: null }, i: [{ k: 1 }, { k: 2 }] } }],
  ["{{ v | to_nice_yaml }}", "top:\n    mid:\n        leaf:\n        - 1\n        - two\n", { v: { top: { mid: { leaf: [1, "two"] } } } }],
  ["{{ v | to_yaml }}", "top:\n  mid:\n    leaf: [1, two]\n", { v: { top: { mid: { leaf: [1, "two"] } } } }],
  ["{{ ['a', 'b'] | to_yaml }}", "[a, b]\n"],
  ["{{ 'abc' | to_yaml }}", "abc\n...\n"],
  // Conversions.
  ["{{ '42' | int }}", 42],
  ["{{ 'x' | int }}", 0],
  ["{{ '0x1F' | int(base=16) }}", 31],
  ["{{ 'yes' | bool }}", true],
  ["{{ \"it's here\" | quote }}", "'it'\"'\"'s here'"],
  ["{{ 'plain-word' | quote }}", "plain-word"],
  // map and the regular expression tests.
  ["{{ users | map(attribute='name') | list }}", ["alice", "bob"], { users: [{ name: "alice" }, { name: "bob" }] }],
  ["{{ ['a', 'b'] | map('upper') | list }}", ["A", "B"]],
  ["{{ names | map('regex_replace', '^(.*)$', 'ns-\\\\1.') | list }}", ["ns-h0.", "ns-h1."], { names: ["h0", "h1"] }],
  ["{{ 'foo123' is match('foo[0-9]+') }}", true],
  ["{{ 'xfoo' is match('foo') }}", false],
  ["{{ 'xfoo' is search('foo') }}", true],
  // Lookups.
  ["{{ lookup('env', 'HOME') }}", "/home/op"],
];

for (const [expr, want, vars] of CASES) {
  test(`filter: ${expr}`, () => assert.deepEqual(ev(expr, vars), want));
}

test("mandatory fails on an undefined variable; a filter error names the expression", () => {
  assert.throws(() => ev("{{ '10.0.0.0/24' | ipaddr('network') }}"), /filter "ipaddr" is not supported by hive \(docs\/inventory\.md lists the supported ones\)/);
  assert.throws(() => ev("{{ nope | mandatory }}"), /undefined variable "nope"/);
  assert.throws(() => ev("{{ 'x' | from_json }}"), /cannot evaluate "\{\{ 'x' \| from_json \}\}": filter from_json: /);
});

test("the project's construct: lookup('file', inventory_dir | dirname + '/secrets.yml') | from_yaml | default({})", () => {
  const dir = writeInventory({
    "inventory/hive.yml": HIVE,
    "inventory/group_vars/all.yml": "secrets: \"{{ lookup('file', inventory_dir | dirname + '/secrets.yml') | from_yaml | default({}) }}\"\nroot: '{{ playbook_dir }}'\n",
    "secrets.yml": "api_key: k-123\nlist: [1, 2]\n",
    "tpl.j2": "name={{ hive_name }} key={{ secrets.api_key }}",
  });
  const site = loadSite({ inventoryDir: join(dir, "inventory"), stage: "private", vars: { rendered: "{{ lookup('template', 'tpl.j2') }}" } });
  assert.deepEqual(site.vars.secrets, { api_key: "k-123", list: [1, 2] });
  assert.equal(site.vars.root, dir);
  assert.equal(site.vars.rendered, "name=demo key=k-123");
});
