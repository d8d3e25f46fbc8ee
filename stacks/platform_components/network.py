"""A VPC with private subnets only (no internet gateway), a closed default security group and
flow logs to an encrypted log group."""

from __future__ import annotations

import ipaddress
import json

import pulumi
import pulumi_aws as aws

from platform_components.aws_context import region
from platform_components.iam import assume_role_policy
from platform_components.log_group import EncryptedLogGroup


def private_subnet_cidrs(cidr_block: str, count: int) -> list[str]:
    """The first `count` /20 (or smaller, for small VPCs) subnets of `cidr_block`."""
    network = ipaddress.ip_network(cidr_block)
    new_prefix = min(max(20, network.prefixlen + 2), 28)
    return [str(subnet) for subnet in list(network.subnets(new_prefix=new_prefix))[:count]]


class PrivateNetwork(pulumi.ComponentResource):
    """Knobs: `cidr_block` (default 10.20.0.0/16), `availability_zones` (default `<region>a`,
    `<region>b`), `kms_key_arn` and `flow_log_retention_days` for the flow log group."""

    vpc: aws.ec2.Vpc
    vpc_id: pulumi.Output[str]
    cidr_block: str
    private_subnet_ids: list[pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        *,
        kms_key_arn: pulumi.Input[str],
        flow_log_retention_days: int,
        cidr_block: str = "10.20.0.0/16",
        availability_zones: list[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("platform:network:PrivateNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        zones = availability_zones or [f"{region()}a", f"{region()}b"]
        self.cidr_block = cidr_block
        self.vpc = aws.ec2.Vpc(
            name, cidr_block=cidr_block, enable_dns_hostnames=True, enable_dns_support=True, opts=child
        )
        # Take over the default security group and leave it without rules.
        aws.ec2.DefaultSecurityGroup(name, vpc_id=self.vpc.id, ingress=[], egress=[], opts=child)
        route_table = aws.ec2.RouteTable(f"{name}-private", vpc_id=self.vpc.id, opts=child)
        self.private_subnet_ids = []
        for zone, cidr in zip(zones, private_subnet_cidrs(cidr_block, len(zones)), strict=True):
            subnet = aws.ec2.Subnet(
                f"{name}-private-{zone}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{zone}", subnet_id=subnet.id, route_table_id=route_table.id, opts=child
            )
            self.private_subnet_ids.append(subnet.id)

        logs = EncryptedLogGroup(
            f"{name}-flow-logs",
            log_group_name=f"/vpc/{pulumi.get_project()}-{pulumi.get_stack()}-{name}/flow-logs",
            retention_in_days=flow_log_retention_days,
            kms_key_arn=kms_key_arn,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=assume_role_policy("vpc-flow-logs.amazonaws.com"),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=logs.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogStreams",
                                ],
                                "Resource": [arn, f"{arn}:*"],
                            }
                        ],
                    }
                )
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            name,
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=logs.arn,
            iam_role_arn=role.arn,
            opts=child,
        )
        self.vpc_id = self.vpc.id
        self.register_outputs({"vpc_id": self.vpc_id, "private_subnet_ids": self.private_subnet_ids})
