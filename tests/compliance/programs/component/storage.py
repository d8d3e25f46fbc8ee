"""A small component: a bucket with versioning and a public access block."""

import pulumi
import pulumi_aws as aws


class SecureBucket(pulumi.ComponentResource):
    def __init__(self, name: str, tags: dict, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:storage:SecureBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.BucketV2(f"{name}-bucket", tags=tags, opts=child)
        aws.s3.BucketVersioningV2(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        self.register_outputs({"bucket": self.bucket.bucket})
