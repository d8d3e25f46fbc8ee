"""The fleet's machine image, looked up once for every service."""

import pulumi_aws as aws

ami = aws.ec2.get_ami(
    most_recent=True,
    owners=["amazon"],
    filters=[aws.ec2.GetAmiFilterArgs(name="name", values=["al2023-ami-*-arm64"])],
)
assert ami.architecture == "arm64", "the fleet runs on Graviton"
