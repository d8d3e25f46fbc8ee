"""ALB: an internet-facing load balancer with an HTTP->HTTPS redirect, an HTTPS listener with a
modern TLS policy, a path rule, a WAF association, and an internal HTTP-only load balancer."""

import pulumi_aws as aws

web_sg = aws.ec2.SecurityGroup(
    "web-sg",
    name="web-sg",
    description="public web traffic",
    vpc_id="vpc-0a1b2c3d",
    ingress=[
        {
            "description": "https",
            "protocol": "tcp",
            "from_port": 443,
            "to_port": 443,
            "cidr_blocks": ["0.0.0.0/0"],
        },
        {
            "description": "http",
            "protocol": "tcp",
            "from_port": 80,
            "to_port": 80,
            "cidr_blocks": ["0.0.0.0/0"],
        },
    ],
    egress=[
        {
            "description": "to targets",
            "protocol": "tcp",
            "from_port": 8080,
            "to_port": 8080,
            "cidr_blocks": ["10.0.0.0/16"],
        }
    ],
)

logs = aws.s3.BucketV2("lb-logs", bucket="lb-access-logs")

lb = aws.lb.LoadBalancer(
    "public",
    name="public",
    load_balancer_type="application",
    internal=False,
    security_groups=[web_sg.id],
    subnets=["subnet-0a1b2c3d", "subnet-0e1f2a3b"],
    drop_invalid_header_fields=True,
    enable_deletion_protection=True,
    access_logs={"bucket": logs.bucket, "enabled": True, "prefix": "public"},
)

app = aws.lb.TargetGroup(
    "app",
    name="app",
    port=8080,
    protocol="HTTP",
    vpc_id="vpc-0a1b2c3d",
    health_check={"path": "/healthz", "matcher": "200"},
)

api = aws.lb.TargetGroup("api", name="api", port=9090, protocol="HTTP", vpc_id="vpc-0a1b2c3d")

aws.lb.Listener(
    "http",
    load_balancer_arn=lb.arn,
    port=80,
    protocol="HTTP",
    default_actions=[
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}
    ],
)

https = aws.lb.Listener(
    "https",
    load_balancer_arn=lb.arn,
    port=443,
    protocol="HTTPS",
    ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06",
    certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    default_actions=[{"type": "forward", "target_group_arn": app.arn}],
)

aws.lb.ListenerRule(
    "api-rule",
    listener_arn=https.arn,
    priority=10,
    actions=[{"type": "forward", "target_group_arn": api.arn}],
    conditions=[{"path_pattern": {"values": ["/api/*"]}}],
)

aws.wafv2.WebAclAssociation(
    "public-waf",
    resource_arn=lb.arn,
    web_acl_arn="arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
)

internal = aws.lb.LoadBalancer(
    "internal",
    name="internal",
    load_balancer_type="application",
    internal=True,
    subnets=["subnet-0a1b2c3d", "subnet-0e1f2a3b"],
)

aws.lb.Listener(
    "internal-http",
    load_balancer_arn=internal.arn,
    port=80,
    protocol="HTTP",
    default_actions=[{"type": "forward", "target_group_arn": api.arn}],
)
