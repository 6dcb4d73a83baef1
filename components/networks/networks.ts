// Overlay networks of the site (`hive_default_network` and the declared ones), created on the first hive.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { Network, Value } from "../../src/inventory/model";
import { plainString } from "../services/values";

function mapping(v: Value | undefined): { readonly [key: string]: Value } | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) && (v as { kind?: unknown }).kind !== "secret"
    ? (v as { readonly [key: string]: Value })
    : null;
}

function stringMap(v: Value | undefined): Record<string, string> | undefined {
  const m = mapping(v);
  return m ? Object.fromEntries(Object.entries(m).map(([k, x]) => [k, plainString(x)])) : undefined;
}

/** Inputs of one `docker.Network`: explicit `ipam.config` wins, else the model's subnet (internal_cidr slice). */
export function networkArgs(net: Network): docker.NetworkArgs {
  const ipam = net.ipam ?? {};
  const configs = Array.isArray(ipam.config)
    ? ipam.config.map((c) => {
        const m = mapping(c) ?? {};
        const opt = (k: string) => (m[k] === undefined || m[k] === null ? {} : { [k]: plainString(m[k]) });
        const aux = stringMap(m.aux_addresses);
        return {
          ...opt("subnet"),
          ...opt("gateway"),
          ...(m.ip_range !== undefined ? { ipRange: plainString(m.ip_range) } : {}),
          ...(aux ? { auxAddress: aux } : {}),
        };
      })
    : net.subnet !== null
      ? [{ subnet: net.subnet }]
      : undefined;
  const options = stringMap(ipam.options);
  return {
    name: net.name,
    driver: "overlay",
    attachable: net.attachable,
    ...(configs ? { ipamConfigs: configs } : {}),
    ...(ipam.driver !== undefined && ipam.driver !== null ? { ipamDriver: plainString(ipam.driver) } : {}),
    ...(options ? { ipamOptions: options } : {}),
    ...(Object.keys(net.driverOpts).length > 0 ? { options: { ...net.driverOpts } } : {}),
  };
}

export interface SwarmNetworksArgs {
  readonly networks: readonly Network[];
  /** Docker provider of the first hive (a swarm manager). */
  readonly provider: docker.Provider;
}

export class SwarmNetworks extends pulumi.ComponentResource {
  /** Network id by name, for the services' `networksAdvanceds`. */
  public readonly ids: { readonly [name: string]: pulumi.Output<string> };
  public readonly resources: readonly docker.Network[];

  constructor(name: string, args: SwarmNetworksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:networks:SwarmNetworks", name, {}, opts);
    const resources = args.networks.map(
      (net) => new docker.Network(`${name}-${net.name}`, networkArgs(net), { parent: this, provider: args.provider }),
    );
    this.resources = resources;
    this.ids = Object.fromEntries(args.networks.map((net, i) => [net.name, resources[i].id]));
    this.registerOutputs({ ids: this.ids });
  }
}
