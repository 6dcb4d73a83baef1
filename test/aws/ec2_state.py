"""Prints what the EC2 emulator holds in one region as JSON, read through the EC2 API with boto3.

Usage: ec2_state.py REGION (endpoint from AWS_ENDPOINT_URL). Run by test/aws/harness.ts with the
emulator's own virtualenv, which has boto3.
"""
import json
import sys

import boto3


def main() -> None:
    ec2 = boto3.client("ec2", region_name=sys.argv[1])
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    state = {
        "zones": [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]],
        "vpcs": ec2.describe_vpcs()["Vpcs"],
        "subnets": ec2.describe_subnets()["Subnets"],
        "internetGateways": ec2.describe_internet_gateways()["InternetGateways"],
        "routeTables": ec2.describe_route_tables()["RouteTables"],
        "securityGroups": ec2.describe_security_groups()["SecurityGroups"],
        "keyPairs": ec2.describe_key_pairs()["KeyPairs"],
        "instances": instances,
        "volumes": ec2.describe_volumes()["Volumes"],
        "addresses": ec2.describe_addresses()["Addresses"],
        "networkInterfaces": ec2.describe_network_interfaces()["NetworkInterfaces"],
    }
    json.dump(state, sys.stdout, default=str)


if __name__ == "__main__":
    main()
