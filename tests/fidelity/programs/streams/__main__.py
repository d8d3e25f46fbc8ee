"""Kinesis: a KMS-encrypted data stream feeding a Firehose delivery stream into an encrypted
S3 bucket, an unencrypted stream and Firehose, and Kinesis Video streams with and without a CMK."""

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("streamkey", description="stream key", enable_key_rotation=True)

clicks = aws.kinesis.Stream(
    "clicks",
    name="clicks",
    shard_count=2,
    retention_period=48,
    encryption_type="KMS",
    kms_key_id=key.arn,
    stream_mode_details={"stream_mode": "PROVISIONED"},
)

aws.kinesis.Stream("raw", name="raw", shard_count=1)

archive = aws.s3.BucketV2("archive", bucket="clicks-archive")

firehose_role = aws.iam.Role(
    "firehose-role",
    name="firehose-role",
    assume_role_policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "firehose.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
)

aws.kinesis.FirehoseDeliveryStream(
    "to-archive",
    name="to-archive",
    destination="extended_s3",
    kinesis_source_configuration={"kinesis_stream_arn": clicks.arn, "role_arn": firehose_role.arn},
    extended_s3_configuration={
        "role_arn": firehose_role.arn,
        "bucket_arn": archive.arn,
        "kms_key_arn": key.arn,
        "buffering_interval": 300,
        "compression_format": "GZIP",
    },
)

aws.kinesis.FirehoseDeliveryStream(
    "direct",
    name="direct",
    destination="extended_s3",
    server_side_encryption={"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": key.arn},
    extended_s3_configuration={"role_arn": firehose_role.arn, "bucket_arn": archive.arn},
)

aws.kinesis.FirehoseDeliveryStream(
    "plain",
    name="plain",
    destination="extended_s3",
    extended_s3_configuration={"role_arn": firehose_role.arn, "bucket_arn": archive.arn},
)

aws.kinesis.VideoStream(
    "doorbell",
    name="doorbell",
    data_retention_in_hours=24,
    media_type="video/h264",
    kms_key_id=key.arn,
)

aws.kinesis.VideoStream("lobby", name="lobby", data_retention_in_hours=1)
