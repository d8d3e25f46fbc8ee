provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "ekskey" {
  description         = "eks secrets"
  enable_key_rotation = true
}

resource "aws_iam_role" "cluster-role" {
  name = "cluster-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Principal = { Service = "eks.amazonaws.com" }, Action = "sts:AssumeRole" }
    ]
  })
}

resource "aws_iam_role" "node-role" {
  name = "node-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }
    ]
  })
}

resource "aws_iam_role_policy_attachment" "cluster-policy" {
  role       = aws_iam_role.cluster-role.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_iam_role_policy_attachment" "node-worker" {
  role       = aws_iam_role.node-role.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
}

resource "aws_iam_role_policy_attachment" "node-ecr" {
  role       = aws_iam_role.node-role.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
}

resource "aws_eks_cluster" "private" {
  name     = "private"
  role_arn = aws_iam_role.cluster-role.arn
  version  = "1.29"
  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d", "subnet-0e1f2a3b"]
    endpoint_private_access = true
    endpoint_public_access  = false
  }
  encryption_config {
    provider {
      key_arn = aws_kms_key.ekskey.arn
    }
    resources = ["secrets"]
  }
  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
}

resource "aws_eks_node_group" "workers" {
  cluster_name    = aws_eks_cluster.private.name
  node_group_name = "workers"
  node_role_arn   = aws_iam_role.node-role.arn
  subnet_ids      = ["subnet-0a1b2c3d", "subnet-0e1f2a3b"]
  instance_types  = ["m6i.large"]
  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 1
  }
}

resource "aws_eks_node_group" "debug" {
  cluster_name    = aws_eks_cluster.private.name
  node_group_name = "debug"
  node_role_arn   = aws_iam_role.node-role.arn
  subnet_ids      = ["subnet-0a1b2c3d"]
  scaling_config {
    desired_size = 1
    max_size     = 1
    min_size     = 1
  }
  remote_access {
    ec2_ssh_key = "ops"
  }
}

resource "aws_eks_addon" "vpc-cni" {
  cluster_name = aws_eks_cluster.private.name
  addon_name   = "vpc-cni"
}

resource "aws_eks_cluster" "sandbox" {
  name     = "sandbox"
  role_arn = aws_iam_role.cluster-role.arn
  vpc_config {
    subnet_ids             = ["subnet-0a1b2c3d", "subnet-0e1f2a3b"]
    endpoint_public_access = true
  }
}
