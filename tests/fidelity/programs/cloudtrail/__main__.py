"""CloudTrail: one trail delivers to CloudWatch Logs through a derived ARN (`<arn>:*`), one does not."""

import json

import pulumi_aws as aws

key = aws.kms.Key(
    "trail", description="CloudTrail logs", enable_key_rotation=True, deletion_window_in_days=30
)
bucket = aws.s3.BucketV2("trail-logs", bucket="acme-trail-logs")
logs = aws.cloudwatch.LogGroup(
    "trail", name="/aws/cloudtrail/main", retention_in_days=400, kms_key_id=key.arn
)
role = aws.iam.Role(
    "trail-delivery",
    name="trail-delivery",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
)
topic = aws.sns.Topic("trail-events", name="trail-events", kms_master_key_id=key.arn)

aws.cloudtrail.Trail(
    "main",
    name="main",
    s3_bucket_name=bucket.bucket,
    is_multi_region_trail=True,
    enable_log_file_validation=True,
    include_global_service_events=True,
    kms_key_id=key.arn,
    sns_topic_name=topic.name,
    cloud_watch_logs_group_arn=logs.arn.apply(lambda arn: f"{arn}:*"),
    cloud_watch_logs_role_arn=role.arn,
)
aws.cloudtrail.Trail("quiet", name="quiet", s3_bucket_name=bucket.bucket)
