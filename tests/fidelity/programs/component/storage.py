"""A component: its children are bridged, the component itself has no Terraform equivalent."""

import pulumi
import pulumi_aws as aws


class PrivateBucket(pulumi.ComponentResource):
    """A bucket with versioning and a public access block (optionally left open)."""

    def __init__(self, name: str, *, block_public: bool, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fidelity:storage:PrivateBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bucket = aws.s3.Bucket(f"{name}-bucket", bucket=f"fidelity-{name}", opts=child)
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration={"status": "Enabled" if block_public else "Suspended"},
            opts=child,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-pab",
            bucket=self.bucket.id,
            block_public_acls=block_public,
            block_public_policy=block_public,
            ignore_public_acls=block_public,
            restrict_public_buckets=block_public,
            opts=child,
        )
        self.register_outputs({"bucket": self.bucket.id})
