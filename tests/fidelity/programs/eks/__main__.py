"""EKS: a private, secrets-encrypted, fully logged cluster with a node group and an add-on,
and a public cluster with no logging; the roles come from JSON trust policies."""

import json

import pulumi_aws as aws

key = aws.kms.Key("ekskey", description="eks secrets", enable_key_rotation=True)


def _role(name: str, service: str) -> aws.iam.Role:
    return aws.iam.Role(
        name,
        name=name,
        assume_role_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )


cluster_role = _role("cluster-role", "eks.amazonaws.com")
node_role = _role("node-role", "ec2.amazonaws.com")

aws.iam.RolePolicyAttachment(
    "cluster-policy",
    role=cluster_role.name,
    policy_arn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
)
aws.iam.RolePolicyAttachment(
    "node-worker",
    role=node_role.name,
    policy_arn="arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
)
aws.iam.RolePolicyAttachment(
    "node-ecr",
    role=node_role.name,
    policy_arn="arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
)

private = aws.eks.Cluster(
    "private",
    name="private",
    role_arn=cluster_role.arn,
    version="1.29",
    vpc_config={
        "subnet_ids": ["subnet-0a1b2c3d", "subnet-0e1f2a3b"],
        "endpoint_private_access": True,
        "endpoint_public_access": False,
    },
    encryption_config={"provider": {"key_arn": key.arn}, "resources": ["secrets"]},
    enabled_cluster_log_types=["api", "audit", "authenticator", "controllerManager", "scheduler"],
)

aws.eks.NodeGroup(
    "workers",
    cluster_name=private.name,
    node_group_name="workers",
    node_role_arn=node_role.arn,
    subnet_ids=["subnet-0a1b2c3d", "subnet-0e1f2a3b"],
    instance_types=["m6i.large"],
    scaling_config={"desired_size": 2, "max_size": 4, "min_size": 1},
)

aws.eks.NodeGroup(
    "debug",
    cluster_name=private.name,
    node_group_name="debug",
    node_role_arn=node_role.arn,
    subnet_ids=["subnet-0a1b2c3d"],
    scaling_config={"desired_size": 1, "max_size": 1, "min_size": 1},
    remote_access={"ec2_ssh_key": "ops"},
)

aws.eks.Addon("vpc-cni", cluster_name=private.name, addon_name="vpc-cni")

aws.eks.Cluster(
    "sandbox",
    name="sandbox",
    role_arn=cluster_role.arn,
    vpc_config={"subnet_ids": ["subnet-0a1b2c3d", "subnet-0e1f2a3b"], "endpoint_public_access": True},
)
