// Ansible's filters and lookups as inventories use them, checked against the examples of the Ansible
// documentation (docs.ansible.com: "Using filters to manipulate data", the builtin filter and lookup pages).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadSite } from "../../src/inventory";
import { Scope, TemplateEngine, type VarDef } from "../../src/inventory/templates";
import { HIVE, loadFiles, problemsOf, writeInventory } from "./helpers";

function ev(expr: string, vars: Record<string, unknown> = {}, baseDir = "/"): unknown {
  const engine = new TemplateEngine({ env: { HOME: "/home/op" }, baseDir });
  const defs = new Map<string, VarDef>(Object.entries(vars).map(([k, raw]) => [k, { raw, pos: null }]));
  return engine.evaluate(expr, new Scope(engine, defs, {}));
}

const DOMAIN = {
  domain: {
    cluster: [{ name: "cluster1" }, { name: "cluster2" }],
    server: [
      { name: "server11", cluster: "cluster1", port: "8080" },
      { name: "server12", cluster: "cluster1", port: "8090" },
      { name: "server21", cluster: "cluster2", port: "9080" },
    ],
  },
};

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
  // Set theory (docs: list1 [1, 2, 5, 1, 3, 4, 10], list2 [1, 2, 3, 4, 5, 11, 99]). Ansible's order is a Python
  // set's, which is unspecified; hive keeps the order the items are first met in, as the documentation shows.
  ["{{ l1 | unique }}", [1, 2, 5, 3, 4, 10], { l1: [1, 2, 5, 1, 3, 4, 10] }],
  ["{{ l1 | union(l2) }}", [1, 2, 5, 3, 4, 10, 11, 99], { l1: [1, 2, 5, 1, 3, 4, 10], l2: [1, 2, 3, 4, 5, 11, 99] }],
  ["{{ l1 | intersect(l2) }}", [1, 2, 5, 3, 4], { l1: [1, 2, 5, 1, 3, 4, 10], l2: [1, 2, 3, 4, 5, 11, 99] }],
  ["{{ l1 | difference(l2) }}", [10], { l1: [1, 2, 5, 1, 3, 4, 10], l2: [1, 2, 3, 4, 5, 11, 99] }],
  ["{{ l1 | symmetric_difference(l2) }}", [10, 11, 99], { l1: [1, 2, 5, 1, 3, 4, 10], l2: [1, 2, 3, 4, 5, 11, 99] }],
  // hive-builder's pdns example: the first hive of the stage.
  ["{{ (groups['first_hive'] | intersect(groups[hive_stage]) | first) + '.' + domain }}", "s-hive0.demo.example.com", { groups: { first_hive: ["s-hive0.demo"], staging: ["s-hive0.demo", "s-hive1.demo"] }, hive_stage: "staging", domain: "example.com" }],
  ["{{ [3, [4, 2] ] | flatten }}", [3, 4, 2]],
  ["{{ [3, [4, [2]] ] | flatten(levels=1) }}", [3, 4, [2]]],
  ["{{ [3, None, [4, [2]] ] | flatten(levels=1, skip_nulls=False) }}", [3, null, 4, [2]]],
  ["{{ [0,2] | map('extract', ['x','y','z']) | list }}", ["x", "z"]],
  ["{{ ['x','y'] | map('extract', {'x': 42, 'y': 31}) | list }}", [42, 31]],
  ["{{ ['a'] | map('extract', {'a': {'b': {'c': 1}}}, ['b', 'c']) | list }}", [1]],
  ["{{ (status == 'needs_restart') | ternary('restart', 'continue') }}", "restart", { status: "needs_restart" }],
  ["{{ None | ternary('yes', 'no', 'maybe') }}", "maybe"],
  // json_query (JMESPath), the documentation's domain_definition.
  ["{{ dd | json_query('domain.cluster[*].name') }}", ["cluster1", "cluster2"], { dd: DOMAIN }],
  ["{{ dd | json_query(\"domain.server[?cluster=='cluster1'].port\") }}", ["8080", "8090"], { dd: DOMAIN }],
  ["{{ dd | community.general.json_query('domain.server[*].{name: name, port: port}') | first }}", { name: "server11", port: "8080" }, { dd: DOMAIN }],
  // Hashes (hashlib's hex digests) and crypt(3) hashes as passlib writes them with Ansible's default rounds.
  ["{{ 'test1' | hash('sha1') }}", "b444ac06613fc8d63795be9ad0beaf55011936ac"],
  ["{{ 'test1' | hash('md5') }}", "5a105e8b9d40e1329780d62ea2265d8a"],
  ["{{ 'test1' | hash('sha256') }}", "1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014"],
  ["{{ 'test2' | checksum }}", "109f4b3c50d7b0df729d299bc6f8e9ef9066971f"],
  ["{{ 'secretpassword' | password_hash('sha512', 'mysecretsalt') }}", "$6$rounds=656000$mysecretsalt$RGkVc8/h4IQxlxsb//ahyq4GH0Bvc1ENv0qW5P1KcACBpC8HNJyZdSzMRe7.stantD.7CsCOf2PrwfQmogGyB1"],
  ["{{ 'secretpassword' | password_hash('sha512', 'mysecretsalt', rounds=5000) }}", "$6$mysecretsalt$nQRJs5iDdLkE1YuYaWUle1uQ2ROJ7j8ernLYmyY57MnZquqWdJ.uj6dgD4n9GKKk5qZMEx9bsIMylVAlQacGK1"],
  ["{{ 'secretpassword' | password_hash('sha256', 'mysecretsalt', rounds=10000) }}", "$5$rounds=10000$mysecretsalt$Tkm80llAxD4YHll6AgNIztKn0vzAACsuuEfYeGP7tm7"],
  ["{{ 'pässwört-with-a-long-text-more-than-64-bytes-long-yes-indeed-it-is-0123456789' | password_hash('sha512', 'ab', rounds=1000) }}", "$6$rounds=1000$ab$fg57AqPanYZCnzTIxa4MQ2YXVCoqtZLQ1DizESyG31r/3gw4/uhiJ9kmlKSVsRdYCeWE6NLYghuC8b.hIl5QA0"],
  // Ansible's fully qualified names.
  ["{{ {'a': 1} | ansible.builtin.to_json }}", '{"a": 1}'],
  // Lookups.
  ["{{ lookup('env', 'HOME') }}", "/home/op"],
  ["{{ lookup('pipe', 'echo hello; echo') }}", "hello"],
  ["{{ query('pipe', 'printf a') }}", ["a"]],
];


for (const [expr, want, vars] of CASES) {
  test(`filter: ${expr}`, () => assert.deepEqual(ev(expr, vars), want));
}

test("mandatory fails on an undefined variable; a filter error names the expression", () => {
  assert.throws(() => ev("{{ '2024-01-01' | to_datetime }}"), /filter "to_datetime" is not supported by hive \(docs\/inventory\.md lists the supported ones\)/);
  assert.throws(() => ev("{{ nope | mandatory }}"), /undefined variable "nope"/);
  assert.throws(() => ev("{{ 'x' | from_json }}"), /cannot evaluate "\{\{ 'x' \| from_json \}\}": filter from_json: /);
});

test("the project's construct: lookup('file', inventory_dir | dirname + '/secrets.yml') | from_yaml | default({})", () => {
  const dir = writeInventory({
    "inventory/hive.yml": HIVE,
    "inventory/group_vars/all.yml": "secrets: \"{{ lookup('file', inventory_dir | dirname + '/secrets.yml') | from_yaml | default({}) }}\"\nroot: '{{ playbook_dir }}'\n",
    "inventory/s.yml": "plugin: hive_services\nservices:\n  web:\n    image: x\n    environment:\n      KEY: '{{ secrets.api_key }}'\n      LIST: '{{ secrets.list | to_json }}'\n      ROOT: '{{ root }}'\n      RENDERED: '{{ rendered }}'\n",
    "secrets.yml": "api_key: k-123\nlist: [1, 2]\n",
    "tpl.j2": "name={{ hive_name }} key={{ secrets.api_key }}",
  });
  const site = loadSite({ inventoryDir: join(dir, "inventory"), stage: "private", vars: { rendered: "{{ lookup('template', 'tpl.j2') }}" } });
  assert.deepEqual(site.services[0].environment, { KEY: "k-123", LIST: "[1, 2]", ROOT: dir, RENDERED: "name=demo key=k-123" });
});

test("lookup('first_found'): the first file that exists, in files/ or the project folder; none is an error or [] with skip", () => {
  const dir = writeInventory({ "files/b.conf": "b", "c.conf": "c" });
  const at = (expr: string) => ev(expr, {}, dir);
  assert.equal(at("{{ lookup('first_found', ['a.conf', 'b.conf']) }}"), join(dir, "files", "b.conf"));
  assert.equal(at("{{ lookup('first_found', 'a.conf', 'c.conf') }}"), join(dir, "c.conf"));
  assert.equal(at(`{{ lookup('first_found', {'files': ['x', 'c.conf'], 'paths': ['${dir}']}) }}`), join(dir, "c.conf"));
  assert.equal(at(`{{ lookup('ansible.builtin.first_found', files='nope,c.conf', paths='/none:${dir}') }}`), join(dir, "c.conf"));
  assert.deepEqual(at("{{ lookup('first_found', ['a.conf'], skip=True) }}"), []);
  assert.throws(() => at("{{ lookup('first_found', ['a.conf']) }}"), /lookup\('first_found', …\): none of "a\.conf" was found/);
});

test("lookup('pipe'): a failing command is an error with its exit status and last line of error output", () => {
  assert.throws(() => ev("{{ lookup('pipe', 'echo broken >&2; exit 3') }}"), /lookup\('pipe', 'echo broken >&2; exit 3'\) exited with 3: broken/);
});

test("facts: an Ansible fact is an error naming it where hive must evaluate the value; ansible_hostname is known", () => {
  assert.throws(() => ev("{{ ansible_default_ipv4.address }}"), /"ansible_default_ipv4" is an Ansible fact, gathered from a running server; .* \(the server's address in the inventory is hive_private_ip\)/);
  const env = (value: string) => [HIVE, "plugin: hive_services\nservices:\n  web:\n    image: x\n    environment:\n      A: \"" + value + "\"\n"];
  const [hive, services] = env("{{ hostvars[groups['hives'][0]].ansible_facts.ipify_public_ip }}");
  assert.deepEqual(problemsOf({ "hive.yml": hive, "s.yml": services }), [
    `s.yml:6:10: services.web.environment.A: cannot evaluate "{{ hostvars[groups['hives'][0]].ansible_facts.ipify_public_ip }}": "ansible_facts" is an Ansible fact, gathered from a running server; hive evaluates this value itself before any server runs, so it has no facts; roles, which Ansible runs, may use facts`,
  ]);
  const [hive2, named] = env("{{ hostvars[groups['hives'][0]].ansible_hostname }}");
  assert.equal(loadFiles({ "hive.yml": hive2, "s.yml": named }).services[0].environment.A, "s-hive0");
  assert.throws(() => ev("{{ play_hosts }}"), /"play_hosts" is a variable of an Ansible play/);
  assert.equal(ev("{{ ansible_default_ipv4.address | default('none') }}"), "none");
});

test("a filter that reads the text of a secret is an error: the password is generated after hive evaluated the value", () => {
  assert.throws(
    () => ev("{{ lookup('password', '/ctx/pw') | password_hash('sha512', 'salt') }}"),
    /filter password_hash cannot be applied to a secret: lookup\('password', …\) is generated when the site is deployed/,
  );
  // JSON keeps the secret a secret (json.dumps would escape its marks into plain text).
  assert.deepEqual(ev("{{ {'pw': lookup('password', '/ctx/pw')} | to_json }}"), '{"pw": "\uE000hive-secret:pw\uE001"}');
  const site = loadFiles({ "hive.yml": HIVE, "group_vars/all.yml": "pw: \"{{ lookup('password', '/ctx/pw') }}\"\n", "s.yml": "plugin: hive_services\nservices:\n  web:\n    image: x\n    environment:\n      J: \"{{ {'pw': pw} | to_json }}\"\n" });
  assert.deepEqual(site.services[0].environment.J, { kind: "secret", parts: ['{"pw": "', { secret: "pw" }, '"}'] });
});
