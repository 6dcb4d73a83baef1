// A stand-in for the pulumi-aws resource plugin: the Terraform AWS provider's EC2/EBS resources that hive
// uses, served through the Terraform bridge under pulumi-aws's type tokens and property names, so the
// real Pulumi engine can drive hive's AWS layer against an EC2 emulator. See docs/aws.md for what it
// lacks compared to pulumi-aws.
//
// The module path sits under the Terraform provider's own so that its internal packages can be imported.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-provider-aws/internal/provider/sdkv2"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// version is the pulumi-aws release whose SDK hive pins; the engine asks for a plugin of this version.
const version = "7.48.0"

// resources maps Terraform resource types to pulumi-aws tokens; fields lists the property names where
// pulumi-aws departs from the bridge's default naming.
var resources = map[string]struct {
	tok    string
	fields map[string]*tfbridge.SchemaInfo
}{
	"aws_vpc":                     {tok: "aws:ec2/vpc:Vpc"},
	"aws_subnet":                  {tok: "aws:ec2/subnet:Subnet"},
	"aws_internet_gateway":        {tok: "aws:ec2/internetGateway:InternetGateway"},
	"aws_route_table":             {tok: "aws:ec2/routeTable:RouteTable"},
	"aws_route_table_association": {tok: "aws:ec2/routeTableAssociation:RouteTableAssociation"},
	"aws_security_group": {tok: "aws:ec2/securityGroup:SecurityGroup", fields: map[string]*tfbridge.SchemaInfo{
		"ingress": {Name: "ingress"},
		"egress":  {Name: "egress"},
	}},
	"aws_key_pair":                     {tok: "aws:ec2/keyPair:KeyPair"},
	"aws_instance":                     {tok: "aws:ec2/instance:Instance"},
	"aws_network_interface":            {tok: "aws:ec2/networkInterface:NetworkInterface", fields: map[string]*tfbridge.SchemaInfo{"attachment": {Name: "attachments"}}},
	"aws_network_interface_attachment": {tok: "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment"},
	"aws_ebs_volume":                   {tok: "aws:ebs/volume:Volume"},
	"aws_volume_attachment":            {tok: "aws:ec2/volumeAttachment:VolumeAttachment"},
	"aws_eip":                          {tok: "aws:ec2/eip:Eip"},
	"aws_eip_association":              {tok: "aws:ec2/eipAssociation:EipAssociation"},
	"aws_ec2_instance_state":           {tok: "aws:ec2transitgateway/instanceState:InstanceState"},
}

var dataSources = map[string]string{
	"aws_availability_zones": "aws:index/getAvailabilityZones:getAvailabilityZones",
	"aws_ami":                "aws:ec2/getAmi:getAmi",
	"aws_instance":           "aws:ec2/getInstance:getInstance",
	"aws_network_interface":  "aws:ec2/getNetworkInterface:getNetworkInterface",
}

func main() {
	ctx := context.Background()
	p, err := sdkv2.NewProvider(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Serve only what is mapped: the rest of the provider has no pulumi-aws token here.
	for name := range p.ResourcesMap {
		if _, ok := resources[name]; !ok {
			delete(p.ResourcesMap, name)
		}
	}
	for name := range p.DataSourcesMap {
		if _, ok := dataSources[name]; !ok {
			delete(p.DataSourcesMap, name)
		}
	}
	info := tfbridge.ProviderInfo{
		P:           shimv2.NewProvider(p),
		Name:        "aws",
		Version:     version,
		Resources:   map[string]*tfbridge.ResourceInfo{},
		DataSources: map[string]*tfbridge.DataSourceInfo{},
	}
	for name, r := range resources {
		info.Resources[name] = &tfbridge.ResourceInfo{Tok: tokens.Type(r.tok), Fields: r.fields}
	}
	for name, tok := range dataSources {
		info.DataSources[name] = &tfbridge.DataSourceInfo{Tok: tokens.ModuleMember(tok)}
	}
	tfbridge.Main("aws", version, info, []byte(`{"name":"aws","version":"`+version+`"}`))
}
