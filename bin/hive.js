#!/usr/bin/env node
// Entry point of the `hive` command: registers tsx so the TypeScript sources run without a build step.
require("tsx/cjs");
require("../src/cli/main.ts");
