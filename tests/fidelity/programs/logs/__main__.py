"""CloudWatch Logs: a KMS-encrypted group with a year's retention and a default one."""

import pulumi_aws as aws

key = aws.kms.Key("logkey", description="log key", enable_key_rotation=False)

aws.cloudwatch.LogGroup("audit", name="/app/audit", retention_in_days=365, kms_key_id=key.arn)
aws.cloudwatch.LogGroup("debug", name="/app/debug", retention_in_days=3)
