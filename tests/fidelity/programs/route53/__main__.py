"""Route 53: a zone with query logging (by `zone.zone_id`), A records aliased to a load balancer and
pointing at an Elastic IP's unknown-until-apply `public_ip`, and a zone and a record with neither."""

import pulumi_aws as aws

zone = aws.route53.Zone("public", name="example.com")
quiet = aws.route53.Zone("quiet", name="quiet.example.com")
queries = aws.cloudwatch.LogGroup("dns-queries", name="/aws/route53/example.com", retention_in_days=400)
aws.route53.QueryLog("public", zone_id=zone.zone_id, cloudwatch_log_group_arn=queries.arn)

web = aws.lb.LoadBalancer(
    "web",
    name="web",
    load_balancer_type="application",
    internal=False,
    subnets=["subnet-0a1b2c3d", "subnet-0e5f6a7b"],
    drop_invalid_header_fields=True,
)
aws.route53.Record(
    "www",
    zone_id=zone.zone_id,
    name="www.example.com",
    type="A",
    aliases=[{"name": web.dns_name, "zone_id": web.zone_id, "evaluate_target_health": True}],
)
mail = aws.ec2.Eip("mail", domain="vpc")
aws.route53.Record(
    "mail", zone_id=zone.zone_id, name="mail.example.com", type="A", ttl=300, records=[mail.public_ip]
)
aws.route53.Record(
    "legacy",
    zone_id=quiet.zone_id,
    name="legacy.quiet.example.com",
    type="A",
    ttl=300,
    records=["203.0.113.10"],
)
