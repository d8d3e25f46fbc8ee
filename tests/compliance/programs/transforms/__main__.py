import pulumi
import pulumi_aws as aws


def owner_tag(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    if args.type_ != "aws:s3/bucket:Bucket":
        return None
    tags = {**(args.props.get("tags") or {}), "owner": "platform"}
    return pulumi.ResourceTransformResult(props={**args.props, "tags": tags}, opts=args.opts)


def no_force_destroy(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
    return pulumi.ResourceTransformResult(props={**args.props, "forceDestroy": False}, opts=args.opts)


untagged = aws.s3.Bucket("before-transform", tags={"team": "a"})
pulumi.runtime.register_resource_transform(owner_tag)
aws.s3.Bucket(
    "tagged",
    tags={"team": "a"},
    force_destroy=True,
    opts=pulumi.ResourceOptions(transforms=[no_force_destroy]),
)
queue = aws.sqs.Queue("queue")
queue.arn.apply(lambda arn: aws.sns.Topic("from-apply", display_name=arn))
