// SPEC §5.6: destroying production stops before anything is deleted, unless `hive:allowDestroyProduction`.
//
// The engine refuses to delete a protected resource, but only when it reaches it: protecting the DRBD disks
// and Elastic IPs alone let a destroy delete every unprotected resource first (instances, attachments…).
// It deletes a resource before anything it depends on, and skips the dependencies of a deletion that failed.
// So the guard is a protected component that depends on every resource of the site: it is created last,
// a destroy must delete it first, is refused there, and deletes nothing else. This holds for a plain
// `pulumi destroy` as well as for `hive destroy` (which also refuses up front).
import * as pulumi from "@pulumi/pulumi";
import type { Stage } from "../src/inventory/model";

export const DESTROY_GUARD_TYPE = "hive:site:DestroyGuard";

/** Whether the stage gets a guard, and whether it is protected (lifting it takes an update). */
export function destroyGuard(stage: Stage, allowDestroyProduction: boolean): { protect: boolean } | null {
  return stage === "production" ? { protect: !allowDestroyProduction } : null;
}

export class DestroyGuard extends pulumi.ComponentResource {
  /** `site`: the component whose resources it guards; every one of them becomes a dependency. */
  constructor(name: string, site: pulumi.Resource, protect: boolean, opts?: pulumi.ComponentResourceOptions) {
    super(DESTROY_GUARD_TYPE, name, {}, pulumi.mergeOptions(opts, { dependsOn: [site], protect }));
    this.registerOutputs({});
  }
}
