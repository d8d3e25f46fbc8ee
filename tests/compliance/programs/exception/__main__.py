import pulumi_aws as aws

aws.s3.BucketV2("before-the-error")
settings = {"size": 1}
raise ValueError(f"bad size {settings['size']}")
