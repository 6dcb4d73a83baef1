// `hive --help` and each command's --help: every option and argument described, examples shown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildProgram } from "../../src/cli/main";
import { PHASES } from "../../src/cli/phases";
import { harness } from "./helpers";

const COMMANDS = ["up", "all", "preview", "refresh", "destroy", ...PHASES, "halt", "start", "unlock", "outputs", "ssh", "set", "get", "unset", "import-inventory"];

test("the program lists every command with a description", async () => {
  const program = buildProgram();
  const names = program.commands.map((c) => c.name());
  for (const name of COMMANDS) assert.ok(names.includes(name), `${name} is registered`);
  for (const cmd of program.commands) assert.notEqual(cmd.description(), "", `${cmd.name()} has a description`);
  const h = harness({ inventory: false });
  assert.equal(await h.run("--help"), 0);
  assert.match(h.out(), /^Usage: hive/);
  assert.match(h.out(), /Examples:\n {2}hive set stage staging/);
});

test("each command: every option and argument has a description, and the help has examples", async () => {
  const program = buildProgram();
  for (const name of COMMANDS) {
    const cmd = program.commands.find((c) => c.name() === name)!;
    for (const opt of cmd.options) assert.notEqual(opt.description, "", `${name} ${opt.flags}`);
    for (const arg of cmd.registeredArguments) assert.notEqual(arg.description, "", `${name} <${arg.name()}>`);
    const h = harness({ inventory: false });
    assert.equal(await h.run(name, "--help"), 0, name);
    assert.match(h.out(), new RegExp(`^Usage: hive ${name} `), name);
    assert.match(h.out(), /\nExamples?:\n {2}hive /, `${name} --help shows an example`);
  }
});
