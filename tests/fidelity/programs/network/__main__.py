"""Security groups (one open to the world, one tight) and an EC2 instance that uses the tight one."""

import pulumi_aws as aws

aws.ec2.SecurityGroup(
    "open",
    name="open",
    vpc_id="vpc-123",
    ingress=[
        {"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]},
        {"from_port": 3389, "to_port": 3389, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]},
    ],
    egress=[{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"]}],
)

tight = aws.ec2.SecurityGroup(
    "tight",
    name="tight",
    description="https from the VPC only",
    vpc_id="vpc-123",
    ingress=[
        {
            "description": "https",
            "from_port": 443,
            "to_port": 443,
            "protocol": "tcp",
            "cidr_blocks": ["10.0.0.0/8"],
        }
    ],
    egress=[
        {
            "description": "https out",
            "from_port": 443,
            "to_port": 443,
            "protocol": "tcp",
            "cidr_blocks": ["10.0.0.0/8"],
        }
    ],
)

aws.ec2.Instance(
    "web",
    ami="ami-12345678",
    instance_type="t3.micro",
    subnet_id="subnet-1",
    vpc_security_group_ids=[tight.id],
    ebs_optimized=True,
    monitoring=True,
    iam_instance_profile="web-profile",
    metadata_options={"http_endpoint": "enabled", "http_tokens": "required"},
    root_block_device={"encrypted": True, "volume_size": 20},
)

aws.ec2.Instance(
    "bastion",
    ami="ami-12345678",
    instance_type="t3.micro",
    associate_public_ip_address=True,
    user_data="export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
)
