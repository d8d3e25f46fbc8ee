provider "aws" {
  region = "us-east-1"
}

resource "aws_route53_zone" "public" {
  name = "example.com"
}

resource "aws_route53_zone" "quiet" {
  name = "quiet.example.com"
}

resource "aws_cloudwatch_log_group" "dns-queries" {
  name              = "/aws/route53/example.com"
  retention_in_days = 400
}

resource "aws_route53_query_log" "public" {
  zone_id                  = aws_route53_zone.public.zone_id
  cloudwatch_log_group_arn = aws_cloudwatch_log_group.dns-queries.arn
}

resource "aws_lb" "web" {
  name                       = "web"
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = ["subnet-0a1b2c3d", "subnet-0e5f6a7b"]
  drop_invalid_header_fields = true
}

resource "aws_route53_record" "www" {
  zone_id = aws_route53_zone.public.zone_id
  name    = "www.example.com"
  type    = "A"
  alias {
    name                   = aws_lb.web.dns_name
    zone_id                = aws_lb.web.zone_id
    evaluate_target_health = true
  }
}

resource "aws_eip" "mail" {
  domain = "vpc"
}

resource "aws_route53_record" "mail" {
  zone_id = aws_route53_zone.public.zone_id
  name    = "mail.example.com"
  type    = "A"
  ttl     = 300
  records = [aws_eip.mail.public_ip]
}

resource "aws_route53_record" "legacy" {
  zone_id = aws_route53_zone.quiet.zone_id
  name    = "legacy.quiet.example.com"
  type    = "A"
  ttl     = 300
  records = ["203.0.113.10"]
}
