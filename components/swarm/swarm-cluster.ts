// SwarmCluster: the docker swarm of a site's hives (hive-builder's `swarm` role).
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { Site } from "../../src/inventory/model";
import { stepCommand, type HostConnection } from "../host/command";
import { checkOrder } from "../host/host-setup";
import { swarmSteps } from "./steps";

export interface SwarmClusterArgs {
  readonly site: Site;
  /** Connection of every hive by inventory name. */
  readonly connections: Readonly<Record<string, HostConnection>>;
  /** What must be done on a server before its swarm steps run (its host setup), by inventory name. */
  readonly hostReady: Readonly<Record<string, pulumi.Input<pulumi.Resource>[]>>;
}

export class SwarmCluster extends pulumi.ComponentResource {
  public readonly steps: Readonly<Record<string, command.remote.Command>>;
  /** Every node joined and labelled: services may be deployed after these. */
  public readonly ready: command.remote.Command[];

  constructor(name: string, args: SwarmClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:swarm:SwarmCluster", name, {}, opts);
    const plans = swarmSteps(args.site);
    checkOrder(plans);
    const steps: Record<string, command.remote.Command> = {};
    for (const p of plans) {
      const connection = args.connections[p.host];
      if (connection === undefined) throw new pulumi.ResourceError(`no connection for ${p.host}`, this);
      const values =
        p.kind === "swarm-join" ? { secrets: { HIVE_JOIN_TOKEN: steps["join-token"].stdout.apply((s) => s.trim()) } } : {};
      const dependsOn: pulumi.Input<pulumi.Resource>[] = [...(args.hostReady[p.host] ?? []), ...p.after.map((a) => steps[a])];
      steps[p.step] = stepCommand(`${name}-${p.step}`, p, connection, values, { parent: this, dependsOn });
    }
    this.steps = steps;
    this.ready = plans.filter((p) => p.kind === "node-labels").map((p) => steps[p.step]);
    this.registerOutputs({});
  }
}
