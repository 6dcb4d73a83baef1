// Reading the previous ledger from the stack's own outputs, under the mock runtime: through the engine's
// function that reads a stack's outputs (no StackReference resource, whose read step rewrites the state).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { READ_STACK_OUTPUTS } from "../../components/services/ledger";

/** A secret as the runtime hands it over inside a function's result. */
const secret = (value: unknown) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });

let stored: Record<string, unknown> = {
  allocations: { ports: { web80: 61001 }, minors: { data: 2 } },
  sshPrivateKey: secret("KEY-2"),
  sshRetiredKey: secret("KEY-1"),
  images: { powerdns: "procube/powerdns:latest@sha256:0a1b", broken: 3 },
};
const resources: string[] = [];
const calls: [string, unknown][] = [];

test("readPreviousStack reads `allocations`, the site keys and the recorded images from this very stack's outputs", async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push(args.type);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call(args) {
        calls.push([args.token, args.inputs.name]);
        if (args.token === READ_STACK_OUTPUTS) return { name: args.inputs.name, outputs: stored, secretOutputNames: ["sshPrivateKey", "sshRetiredKey"] };
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
  assert.deepEqual(calls, [[READ_STACK_OUTPUTS, "acme/hive/staging"]]);
  assert.deepEqual(resources, [], "no resource: nothing of the read goes into the state");
});

test("a stack never deployed has no outputs: the ledger starts empty (or imported) and there are no keys", async () => {
  stored = {};
  const { readPreviousStack } = await import("../../components/services/ledger");
  assert.deepEqual(await readPreviousStack(), { ledger: { ports: {}, minors: {} }, keys: { sshPrivateKey: undefined, sshRetiredKey: undefined }, images: {} });
  assert.deepEqual((await readPreviousStack({ ports: { web80: 61005 }, minors: {} })).ledger, { ports: { web80: 61005 }, minors: {} });
});
