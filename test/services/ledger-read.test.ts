// Reading the previous ledger from the stack's own outputs, under the mock runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

let stored: Record<string, unknown> = {
  allocations: { ports: { web80: 61001 }, minors: { data: 2 } },
  sshPrivateKey: "KEY-2",
  sshRetiredKey: "KEY-1",
  images: { powerdns: "procube/powerdns:latest@sha256:0a1b", broken: 3 },
};

test("readPreviousStack reads `allocations`, the site keys and the recorded images through a reference to this very stack", async () => {
  const seen: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        seen.push({ type: args.type, name: args.name, inputs: args.inputs });
        if (args.type === "pulumi:pulumi:StackReference") {
          return { id: String(args.inputs.name), state: { name: args.inputs.name, outputs: stored, secretOutputNames: [] } };
        }
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call(args) {
        return args.inputs;
      },
    },
    "hive",
    "staging",
    false,
    "acme",
  );
  const { readPreviousStack } = await import("../../components/services/ledger");
  assert.deepEqual(await readPreviousStack(), {
    ledger: { ports: { web80: 61001 }, minors: { data: 2 } },
    keys: { sshPrivateKey: "KEY-2", sshRetiredKey: "KEY-1" },
    // Only string entries: anything else in the output is ignored.
    images: { powerdns: "procube/powerdns:latest@sha256:0a1b" },
  });
  assert.deepEqual(
    seen.map((s) => [s.type, s.name, s.inputs.name]),
    [["pulumi:pulumi:StackReference", "hive-previous-ledger", "acme/hive/staging"]],
  );
});

test("a stack never deployed has no outputs: the ledger starts empty (or imported) and there are no keys", async () => {
  stored = {};
  const { readPreviousStack } = await import("../../components/services/ledger");
  assert.deepEqual(await readPreviousStack(), { ledger: { ports: {}, minors: {} }, keys: { sshPrivateKey: undefined, sshRetiredKey: undefined }, images: {} });
  assert.deepEqual((await readPreviousStack({ ports: { web80: 61005 }, minors: {} })).ledger, { ports: { web80: 61005 }, minors: {} });
});
