// One swarm service, through the docker provider of the first hive.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { Service } from "../../src/inventory/model";
import { serviceArgs, serviceIgnoreChanges, type ServiceContext } from "./service-args";

export interface SwarmServiceArgs {
  readonly service: Service;
  readonly context: ServiceContext;
  /** Docker provider of the first hive. */
  readonly provider: docker.Provider;
  /** Images, volumes and networks the service needs (given to the docker.Service itself). */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

export class SwarmService extends pulumi.ComponentResource {
  public readonly service: docker.Service;
  /** The image as swarm recorded it (with the digest the registry gave on create, when it could). */
  public readonly image: pulumi.Output<string>;

  constructor(name: string, args: SwarmServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:services:SwarmService", name, {}, opts);
    this.service = new docker.Service(`${name}-service`, serviceArgs(args.service, args.context), {
      parent: this,
      provider: args.provider,
      dependsOn: args.dependsOn,
      ignoreChanges: serviceIgnoreChanges(args.service),
    });
    this.image = this.service.taskSpec.containerSpec.image;
    this.registerOutputs({ id: this.service.id, image: this.image });
  }
}
