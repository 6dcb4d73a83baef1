// The SDK's debug messages are dropped only when hive's runner asks for it, and then for every caller.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { dropSdkDebugLogs, SDK_DEBUG_ENV } from "../../src/sdk-debug";

test("the SDK's debug messages are dropped when the runner says so, and kept otherwise", async () => {
  const original = pulumi.log.debug;
  assert.equal(dropSdkDebugLogs({}), false);
  assert.equal(dropSdkDebugLogs({ [SDK_DEBUG_ENV]: "on" }), false);
  assert.equal(pulumi.log.debug, original);
  assert.equal(dropSdkDebugLogs({ [SDK_DEBUG_ENV]: "off" }), true);
  // The module object the SDK's own modules call through (runtime/resource.js and others).
  const sdkLog = require("@pulumi/pulumi/log") as typeof pulumi.log;
  assert.notEqual(sdkLog.debug, original);
  assert.equal(pulumi.log.debug, sdkLog.debug);
  await sdkLog.debug("a registration's response with a secret");
});
