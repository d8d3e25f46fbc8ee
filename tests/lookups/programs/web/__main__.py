"""A web server placed with lookups: default VPC, its subnets, the latest Amazon Linux AMI, a zone."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
domain = config.require("domain")

identity = aws.get_caller_identity()
region = aws.get_region()
zones = aws.get_availability_zones(state="available")

vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc.id])])
ami = aws.ec2.get_ami(
    most_recent=True,
    owners=["amazon"],
    filters=[aws.ec2.GetAmiFilterArgs(name="name", values=["al2023-ami-*-x86_64"])],
)

assume = aws.iam.get_policy_document(
    statements=[
        aws.iam.GetPolicyDocumentStatementArgs(
            actions=["sts:AssumeRole"],
            principals=[
                aws.iam.GetPolicyDocumentStatementPrincipalArgs(
                    type="Service", identifiers=["ec2.amazonaws.com"]
                )
            ],
        )
    ]
)
role = aws.iam.Role("web", assume_role_policy=assume.json)
profile = aws.iam.InstanceProfile("web", role=role.name)

group = aws.ec2.SecurityGroup(
    "web",
    vpc_id=vpc.id,
    description="HTTPS from the VPC",
    ingress=[
        aws.ec2.SecurityGroupIngressArgs(
            protocol="tcp", from_port=443, to_port=443, cidr_blocks=[vpc.cidr_block]
        )
    ],
)

server = aws.ec2.Instance(
    "web",
    ami=ami.id,
    instance_type="t3.micro",
    subnet_id=subnets.ids[0],
    availability_zone=zones.names[0],
    vpc_security_group_ids=[group.id],
    iam_instance_profile=profile.name,
    monitoring=True,
    ebs_optimized=True,
    metadata_options=aws.ec2.InstanceMetadataOptionsArgs(http_tokens="required"),
    root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(encrypted=True),
    tags={"Owner": identity.account_id, "Region": region.region},
)

zone = aws.route53.get_zone(name=domain, private_zone=False)
record = aws.route53.Record(
    "web",
    zone_id=zone.zone_id,
    name=f"web.{zone.name}",
    type="A",
    ttl=300,
    records=[server.private_ip],
)

pulumi.export("image", ami.image_id)
pulumi.export("subnets", subnets.ids)
pulumi.export("zone", json.dumps({"id": zone.id, "name": zone.name, "servers": zone.name_servers}))
