// SPEC §5.6: destroying production stops before anything is deleted, unless `hive:allowDestroyProduction`.
//
// The engine refuses to delete a protected resource, but only when it reaches it: protecting the DRBD disks
// and Elastic IPs alone let a destroy delete every unprotected resource first (instances, attachments…).
// It deletes a resource before anything it depends on, and skips the dependencies of a deletion that failed.
// So the guard is a protected component that depends on every resource of the site: it is created last,
// a destroy must delete it first, is refused there, and deletes nothing else. This holds for a plain
// `pulumi destroy` as well as for `hive destroy` (which also refuses up front).
//
// That guard exists once a whole update has created every resource: a phase command cannot create it
// (the engine refuses a targeted resource whose dependencies neither exist nor are targeted). A second
// guard, a child of the host fleet and so part of build-infra, depends on the fleet and the keys: a stage
// built phase by phase has its servers, disks and addresses guarded from its first `hive build-infra` on.
// Neither guard is ever replaced: the engine replaces only custom resources along with a dependency.
import * as pulumi from "@pulumi/pulumi";
import type { Stage } from "../src/inventory/model";
import type { Site } from "./site";

export const DESTROY_GUARD_TYPE = "hive:site:DestroyGuard";

/** Whether the stage gets a guard, and whether it is protected (lifting it takes an update). */
export function destroyGuard(stage: Stage, allowDestroyProduction: boolean): { protect: boolean } | null {
  return stage === "production" ? { protect: !allowDestroyProduction } : null;
}

export class DestroyGuard extends pulumi.ComponentResource {
  /** `guarded`: every resource in them (components: all their resources) becomes a dependency. */
  constructor(name: string, guarded: pulumi.Resource[], protect: boolean, opts?: pulumi.ComponentResourceOptions) {
    super(DESTROY_GUARD_TYPE, name, {}, pulumi.mergeOptions(opts, { dependsOn: guarded, protect }));
    this.registerOutputs({});
  }
}

/** The guards of a production site (see above); none for other stages. */
export function guardSite(name: string, site: Site, stage: Stage, allowDestroyProduction: boolean): DestroyGuard[] {
  const guard = destroyGuard(stage, allowDestroyProduction);
  if (!guard) return [];
  const guards = [new DestroyGuard(`${name}-destroy-guard`, [site], guard.protect)];
  const fleet: unknown = site.fleet;
  if (pulumi.Resource.isInstance(fleet)) guards.push(new DestroyGuard(`${name}-infra-destroy-guard`, [fleet, site.pki], guard.protect, { parent: fleet }));
  return guards;
}
