"""EBS: a KMS-encrypted volume and an unencrypted one."""

import pulumi_aws as aws

key = aws.kms.Key("ebskey", description="volume key", enable_key_rotation=True)

aws.ebs.Volume("data", availability_zone="us-east-1a", size=50, encrypted=True, kms_key_id=key.arn)
aws.ebs.Volume("scratch", availability_zone="us-east-1a", size=10, encrypted=False)
