// Records every resource a mocked Pulumi program creates: type, name, raw inputs (Outputs kept, so
// secretness can be checked), resolved inputs, parent and dependsOn (as resource names).
import * as pulumi from "@pulumi/pulumi";

export interface Recorded {
  readonly type: string;
  readonly name: string;
  /** Inputs as given to the constructor (Outputs not resolved). */
  readonly props: pulumi.Inputs;
  readonly opts: pulumi.CustomResourceOptions;
  readonly dependsOn: string[];
  readonly parent: string | null;
}

export const MOCK_TOKEN = "SWMTKN-1-mock-join-token";
export const MOCK_RANDOM = "mock-random-password";

const names = new Map<pulumi.Resource, string>();
export const recorded = new Map<string, Recorded>();

/** Mock state returned for a resource: its inputs plus the outputs the program reads. */
function state(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "tls:index/privateKey:PrivateKey":
      return { ...inputs, privateKeyPem: `-----BEGIN PRIVATE KEY-----\nKEY-OF-${name}\n-----END PRIVATE KEY-----\n` };
    case "tls:index/certRequest:CertRequest":
      return { ...inputs, certRequestPem: `CSR-OF-${name}` };
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { ...inputs, certPem: `-----BEGIN CERTIFICATE-----\nCERT-OF-${name}\n-----END CERTIFICATE-----\n` };
    case "random:index/randomPassword:RandomPassword":
      return { ...inputs, result: MOCK_RANDOM };
    case "command:remote:Command":
      return { ...inputs, stdout: name.endsWith("-join-token") ? `${MOCK_TOKEN}\n` : "", stderr: "" };
    default:
      return inputs;
  }
}

export function setMocks(stack: string): void {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: state(args.type, args.name, args.inputs) }),
      call: (args) => args.inputs,
    },
    "hive",
    stack,
    false,
  );
}

function toNames(deps: pulumi.ResourceOptions["dependsOn"]): string[] {
  if (deps === undefined) return [];
  const list = (Array.isArray(deps) ? deps : [deps]) as pulumi.Resource[];
  return list.map((r) => names.get(r) ?? "?");
}

/** A transformation (give it to the top-level components) that records every child. */
export const recordChildren: pulumi.ResourceTransformation = (args) => {
  names.set(args.resource, args.name);
  recorded.set(args.name, {
    type: args.type,
    name: args.name,
    props: args.props,
    opts: args.opts,
    get dependsOn() {
      return toNames(args.opts.dependsOn);
    },
    parent: args.opts.parent === undefined ? null : (names.get(args.opts.parent) ?? null),
  });
  return undefined;
};

/** Resolves an Input (Output or plain) to its value. */
export function value<T>(x: pulumi.Input<T> | undefined): Promise<T | undefined> {
  if (x === undefined) return Promise.resolve(undefined);
  return new Promise((resolve) => pulumi.output(x).apply((v) => resolve(v as T)));
}

export async function secret(x: pulumi.Input<unknown> | undefined): Promise<boolean> {
  if (x === undefined) return false;
  return pulumi.isSecret(pulumi.output(x));
}

/** The commands, by name, after the program settled. */
export function commands(): Recorded[] {
  return [...recorded.values()].filter((r) => r.type === "command:remote:Command");
}

export function get(name: string): Recorded;
export function get(name: string, optional: true): Recorded | null;
export function get(name: string, optional = false): Recorded | null {
  const r = recorded.get(name);
  if (r === undefined && optional) return null;
  if (r === undefined) throw new Error(`no resource named ${name}; have: ${[...recorded.keys()].join(", ")}`);
  return r;
}

/** Lets pending Output callbacks run. */
export const settle = () => new Promise((r) => setTimeout(r, 50));
