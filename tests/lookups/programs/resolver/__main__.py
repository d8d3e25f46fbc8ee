"""The DNS resolver endpoint goes in the eighth private subnet (the lookup fails on its own line)."""

import pulumi_aws as aws

subnet_id = aws.ec2.get_subnets(filters=[{"name": "tag:tier", "values": ["private"]}]).ids[7]
aws.route53.ResolverEndpoint(
    "inbound",
    direction="INBOUND",
    security_group_ids=["sg-0123456789abcdef0"],
    ip_addresses=[{"subnet_id": subnet_id}, {"subnet_id": subnet_id}],
)
