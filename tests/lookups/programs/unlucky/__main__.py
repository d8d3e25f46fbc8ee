"""A program that trusts a lookup's value: offline it fails, and the error names the lookup."""

import pulumi_aws as aws

ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"])
if ami.architecture != "arm64":
    raise ValueError(f"expected a Graviton image, got {ami.architecture} ({ami.image_id})")
