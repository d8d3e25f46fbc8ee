"""Workers on the fleet image; the image check lives in a helper module."""

import images
import pulumi_aws as aws

for index in range(2):
    aws.ec2.Instance(f"worker-{index}", ami=images.ami.id, instance_type="t4g.small")
