"""Arguments spelled as strings (as many published programs do): the provider converts them."""

import pulumi
import pulumi_aws as aws

ami = aws.ec2.get_ami(most_recent="true", owners=["099720109477"], name_regex="^ubuntu/images/")
server = aws.ec2.Instance("app", ami=ami.image_id, instance_type="t3.small")
pulumi.export("mostRecent", ami.most_recent)
