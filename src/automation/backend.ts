// Where stacks keep their state (kept apart from local.ts so that callers need not load the Automation API).
import * as path from "node:path";

/** The state backend: explicit option, then PULUMI_BACKEND_URL, then a folder inside the project. */
export function resolveBackendUrl(workDir: string, explicit?: string, env = process.env): string {
  return explicit ?? env.PULUMI_BACKEND_URL ?? `file://${path.join(workDir, ".pulumi-state")}`;
}
