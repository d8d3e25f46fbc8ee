import json

import pulumi
import pulumi_aws as aws

identity = aws.get_caller_identity()
zones = aws.get_availability_zones(state="available")
existing = aws.s3.Bucket.get("existing", "my-existing-bucket")

bucket = aws.s3.Bucket(
    "named",
    bucket=f"{pulumi.get_project()}-{pulumi.get_stack()}-{identity.account_id}",
    tags={"org": pulumi.get_organization(), "preview": str(pulumi.runtime.is_dry_run())},
)
aws.s3.BucketPolicy(
    "existing-policy",
    bucket=existing.id,
    policy=existing.arn.apply(lambda arn: json.dumps({"Resource": f"{arn}/*"})),
)
west = aws.Provider("west", region="us-west-2")
region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(provider=west))
aws.sqs.Queue(
    "regional",
    name=region.name.apply(lambda name: f"queue-{name}"),
    opts=pulumi.ResourceOptions(provider=west),
)
pulumi.export("zones", zones.names)
pulumi.export("literal_secret", pulumi.Output.secret("literal-secret-value"))
