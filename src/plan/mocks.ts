// Realistic mock results for `hive plan`: ids and addresses a cloud would return, derived from the inputs,
// so that every Output resolves and the whole program runs without credentials.
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

function hex(seed: string, n: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, n);
}

/** Marker of a mocked key: never a usable key. */
export const MOCK_PUBLIC_KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDmockmockmockmock hive-plan";
export const MOCK_PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMOCK\n-----END RSA PRIVATE KEY-----\n";
export const MOCK_CERT = "-----BEGIN CERTIFICATE-----\nMOCK\n-----END CERTIFICATE-----\n";

const AWS_ID_PREFIX: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/internetGateway:InternetGateway": "igw",
  "aws:ec2/routeTable:RouteTable": "rtb",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
  "aws:ec2/securityGroup:SecurityGroup": "sg",
  "aws:ec2/keyPair:KeyPair": "key",
  "aws:ec2/instance:Instance": "i",
  "aws:ec2/networkInterface:NetworkInterface": "eni",
  "aws:ebs/volume:Volume": "vol",
  "aws:ec2/eip:Eip": "eipalloc",
  "aws:ec2/eipAssociation:EipAssociation": "eipassoc",
};

export class PlanMocks implements pulumi.runtime.Mocks {
  private readonly byId = new Map<string, Record<string, unknown>>();
  private readonly providers = new Map<string, Record<string, unknown>>();
  private publicCounter = 10;
  /** Provider functions the program called, in order. */
  public readonly invokes: { token: string; inputs: Record<string, unknown> }[] = [];

  private publicIp(): string {
    return `203.0.113.${this.publicCounter++}`;
  }

  private region(provider: string | undefined): string {
    const inputs = provider ? this.providers.get(provider.split("::").slice(0, -1).join("::")) : undefined;
    return String(inputs?.region ?? inputs?.location ?? "us-east-1");
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const inputs = args.inputs as Record<string, unknown>;
    const { type, name } = args;
    const state: Record<string, unknown> = { ...inputs };
    let id = `${name}-${hex(type + name, 8)}`;

    if (type.startsWith("pulumi:providers:")) {
      id = hex(name, 8);
    } else if (AWS_ID_PREFIX[type]) {
      id = `${AWS_ID_PREFIX[type]}-${hex(type + name, 17)}`;
    }
    switch (type) {
      case "aws:ec2/instance:Instance": {
        const subnet = this.byId.get(String(inputs.subnetId));
        state.availabilityZone = subnet?.availabilityZone ?? "mock-zone";
        state.privateIp = inputs.privateIp;
        state.arn = `arn:aws:ec2:mock:000000000000:instance/${id}`;
        break;
      }
      case "aws:ec2/networkInterface:NetworkInterface":
        state.privateIp = (inputs.privateIps as string[] | undefined)?.[0];
        break;
      case "aws:ec2/eip:Eip":
        state.publicIp = this.publicIp();
        state.allocationId = id;
        break;
      case "aws:ec2/keyPair:KeyPair":
        state.keyName = name;
        break;
      case "gcp:compute/address:Address":
        state.address = this.publicIp();
        state.selfLink = `https://www.googleapis.com/compute/v1/projects/mock/regions/${inputs.region}/addresses/${inputs.name}`;
        break;
      case "gcp:compute/disk:Disk":
        state.selfLink = `https://www.googleapis.com/compute/v1/projects/mock/zones/${inputs.zone}/disks/${inputs.name}`;
        break;
      case "gcp:compute/network:Network":
      case "gcp:compute/subnetwork:Subnetwork":
        id = `projects/mock/global/networks/${inputs.name}`;
        break;
      case "azure-native:network:PublicIPAddress":
        state.ipAddress = this.publicIp();
        break;
      case "tls:index/privateKey:PrivateKey":
        state.privateKeyPem = MOCK_PRIVATE_KEY;
        state.privateKeyOpenssh = MOCK_PRIVATE_KEY;
        state.publicKeyOpenssh = MOCK_PUBLIC_KEY;
        state.publicKeyPem = MOCK_PUBLIC_KEY;
        break;
      case "tls:index/selfSignedCert:SelfSignedCert":
      case "tls:index/locallySignedCert:LocallySignedCert":
        state.certPem = MOCK_CERT;
        break;
      case "tls:index/certRequest:CertRequest":
        state.certRequestPem = "-----BEGIN CERTIFICATE REQUEST-----\nmock\n-----END CERTIFICATE REQUEST-----\n";
        break;
      case "random:index/randomPassword:RandomPassword":
        // A fixed stand-in of the requested length; it stays a secret output and prints masked.
        state.result = "p".repeat(Number(inputs.length ?? 16));
        state.bcryptHash = "$2a$10$mock";
        break;
      case "command:remote:Command":
      case "command:local:Command":
        // What the command would print (e.g. a swarm join token) is only known when it runs.
        state.stdout = `mock-stdout-of-${name}`;
        state.stderr = "";
        break;
    }
    if (type.startsWith("azure-native:")) {
      const rg = String(inputs.resourceGroupName ?? "mock-rg");
      const leaf = type.split(":").pop() ?? "resource";
      const resName = String(inputs[`${leaf.charAt(0).toLowerCase()}${leaf.slice(1)}Name`] ?? name);
      id = type === "azure-native:resources:ResourceGroup" ? `/subscriptions/mock/resourceGroups/${rg}` : `/subscriptions/mock/resourceGroups/${rg}/providers/${leaf}/${resName}`;
      state.name = resName;
    }
    this.byId.set(id, state);
    return { id, state };
  }

  /** Remembers provider inputs by URN so invokes can answer for the provider's region. */
  recordProvider(urn: string, inputs: Record<string, unknown>): void {
    this.providers.set(urn, inputs);
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const inputs = args.inputs as Record<string, unknown>;
    this.invokes.push({ token: args.token, inputs });
    switch (args.token) {
      case "aws:index/getAvailabilityZones:getAvailabilityZones": {
        const region = this.region(args.provider);
        // Every zone letter a region may have: the program checks the inventory's zones against this list,
        // and a plan cannot know which of them the account really has (the engine's update checks that).
        const letters = ["a", "b", "c", "d", "e", "f"];
        return { id: region, names: letters.map((s) => `${region}${s}`), zoneIds: letters.map((_, i) => `${region}-az${i + 1}`), state: "available" };
      }
      case "aws:ec2/getAmi:getAmi":
        return { id: "ami-0mockalmalinux9000", name: "AlmaLinux OS 9.6.20250522 x86_64", architecture: "x86_64", ownerId: "764336703387" };
      case "pulumi:pulumi:readStackOutputs":
        // The program reads its own previous outputs (the allocation ledger); a plan starts from none.
        return { name: inputs.name, outputs: {}, secretOutputNames: [] };
      case "tls:index/getPublicKey:getPublicKey":
        return { publicKeyOpenssh: MOCK_PUBLIC_KEY, publicKeyPem: MOCK_PUBLIC_KEY, algorithm: "RSA" };
      case "azure-native:resources:getResourceGroup":
        return { id: `/subscriptions/mock/resourceGroups/${inputs.resourceGroupName}`, name: inputs.resourceGroupName, location: "mock" };
      default:
        return {};
    }
  }
}
