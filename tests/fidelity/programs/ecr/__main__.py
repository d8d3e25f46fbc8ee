"""ECR: an immutable, scanned, KMS-encrypted repository and a mutable default one."""

import pulumi_aws as aws

key = aws.kms.Key("ecrkey", description="registry key", enable_key_rotation=True)

aws.ecr.Repository(
    "app",
    name="app",
    image_tag_mutability="IMMUTABLE",
    image_scanning_configuration={"scan_on_push": True},
    encryption_configurations=[{"encryption_type": "KMS", "kms_key": key.arn}],
)

aws.ecr.Repository("sandbox", name="sandbox", image_tag_mutability="MUTABLE")
