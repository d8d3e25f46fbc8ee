"""SQS and SNS: encrypted and unencrypted queues and topics, and a subscription between them."""

import pulumi_aws as aws

key = aws.kms.Key("msgkey", description="messaging key", enable_key_rotation=True)

jobs = aws.sqs.Queue("jobs", name="jobs", kms_master_key_id=key.arn)
aws.sqs.Queue("plain", name="plain", sqs_managed_sse_enabled=False)

alerts = aws.sns.Topic("alerts", name="alerts", kms_master_key_id=key.arn)
aws.sns.Topic("public", name="public")

aws.sns.TopicSubscription("alerts_to_jobs", topic=alerts.arn, protocol="sqs", endpoint=jobs.arn)
