"""Hand-built Reports shaped like the gate's output (see compliance/gate.py summarize)."""

from __future__ import annotations

from compliance.model import Finding, Report, StackReport


def make_finding(**overrides: object) -> Finding:
    """A failed mandatory finding on an S3 bucket, with fields overridden."""
    data: dict[str, object] = {
        "check_id": "CKV_AWS_145",
        "title": "Ensure that S3 buckets are encrypted with KMS by default",
        "severity": "HIGH",
        "result": "failed",
        "resource": "assets",
        "type": "aws:s3/bucketV2:BucketV2",
        "file": "stacks/edge/__main__.py",
        "line": 42,
        "guideline": "https://docs.prismacloud.io/en/enterprise-edition/policy-reference/aws-policies/s3",
        "level": "mandatory",
        "controls": ["CIS-AWS-2.1.1", "SOC2-CC6.1"],
    }
    data.update(overrides)
    return Finding.model_validate(data)


def realistic_report() -> Report:
    """Three stacks: one clean-ish, one with failures and a waiver, one that failed to evaluate."""
    database = StackReport(
        project="database",
        path="stacks/database",
        env="dev",
        resources=7,
        findings=[
            make_finding(
                check_id="CKV_AWS_16",
                title="Ensure all data stored in the RDS is securely encrypted at rest",
                resource="main",
                type="aws:rds/instance:Instance",
                file="stacks/database/__main__.py",
                line=31,
                result="passed",
            ),
            make_finding(
                check_id="CKV_AWS_157",
                title="Ensure that RDS instances have Multi-AZ enabled",
                severity="MEDIUM",
                resource="main",
                type="aws:rds/instance:Instance",
                file="stacks/database/__main__.py",
                line=31,
                level="advisory",
            ),
        ],
    )
    edge = StackReport(
        project="edge",
        path="stacks/edge",
        env="dev",
        resources=12,
        findings=[
            make_finding(),
            make_finding(
                check_id="CKV_AWS_18",
                title="Ensure the S3 bucket has access logging enabled",
                severity="MEDIUM",
                resource="logs",
                file="stacks/platform_components/bucket.py",
                line=88,
                result="waived",
                waiver={
                    "reason": "log bucket cannot log to itself",
                    "owner": "team-edge",
                    "expires": "2027-01-31",
                },
            ),
            make_finding(check_id="CKV_AWS_21", title="Ensure S3 versioning is enabled", result="passed"),
            make_finding(
                check_id="CKV_AWS_86",
                title="Ensure CloudFront distribution has access logging enabled",
                severity=None,
                resource="cdn",
                type="aws:cloudfront/distribution:Distribution",
                file="__main__.py",
                line=77,
                guideline=None,
            ),
        ],
    )
    serverless = StackReport(
        project="serverless",
        path="stacks/serverless",
        env="dev",
        resources=0,
        error="stacks/serverless/__main__.py:12: NameError: name 'bucket' is not defined",
    )
    stacks = [database, edge, serverless]
    return Report(
        stacks=stacks,
        summary={
            "stacks": 3,
            "resources": 19,
            "passed": 2,
            "failed": 2,
            "advisory_failed": 1,
            "waived": 1,
            "skipped": 0,
            "errors": 1,
            "frameworks": {
                "CIS-AWS": {
                    "framework": "CIS-AWS",
                    "title": "CIS AWS Foundations Benchmark v3.0.0",
                    "passing": ["CIS-AWS-2.1.4", "CIS-AWS-3.6"],
                    "failing": ["CIS-AWS-2.1.1"],
                    "waived": [],
                },
                "SOC2": {
                    "framework": "SOC2",
                    "title": "SOC 2 Trust Services Criteria",
                    "passing": [],
                    "failing": ["SOC2-CC6.1"],
                    "waived": ["SOC2-CC7.2"],
                },
            },
            "waivers": {
                "expired": [],
                "expiring": [
                    {"check": "CKV_AWS_18", "resource": "logs", "stack": "edge", "expires": "2027-01-31"}
                ],
                "stale": [{"check": "CKV_AWS_20", "resource": "old-bucket", "owner": "team-data"}],
            },
            "policies": {"source": "3f2c1d0", "differs": ["policies/enforcement.yaml"]},
        },
    )
