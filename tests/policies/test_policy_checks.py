"""Each custom check on compliant and non-compliant Terraform plan JSON (the shape the bridge emits)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from policy_planning import plan, scan_hcl, scan_plan

from policies.context import set_env

pytestmark = pytest.mark.usefixtures("org_checks", "env")

TAGS = {"owner": "team-a", "cost-center": "cc-42", "data-classification": "internal"}
CMK = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def lambda_fn(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "function_name": "api",
        "architectures": ["arm64"],
        "memory_size": 256,
        "reserved_concurrent_executions": 10,
        "tags": TAGS,
    }
    values.update(overrides)
    return values


def results(tmp_path: Path, resources: dict[str, dict[str, Any]], check: str, **kw: Any) -> dict[str, str]:
    return scan_plan(tmp_path, plan(resources, **kw), [check])


def test_required_tags_pass_and_fail(tmp_path: Path) -> None:
    got = results(
        tmp_path,
        {
            "aws_sqs_queue.tagged": {"name": "q", "tags": TAGS},
            "aws_sqs_queue.partial": {"name": "q2", "tags": {"owner": "team-a", "cost-center": ""}},
            "aws_sqs_queue.untagged": {"name": "q3"},
            "aws_lambda_permission.not_taggable": {"action": "lambda:InvokeFunction"},
        },
        "CKV_ORG_1",
    )
    assert got == {
        "CKV_ORG_1 aws_sqs_queue.tagged": "PASSED",
        "CKV_ORG_1 aws_sqs_queue.partial": "FAILED",
        "CKV_ORG_1 aws_sqs_queue.untagged": "FAILED",
    }


def test_required_tags_apply_to_any_resource_with_a_tags_attribute(tmp_path: Path) -> None:
    # A type missing from the schema-derived list is still taggable when it has `tags` in the plan.
    got = results(tmp_path, {"aws_future_service_thing.x": {"tags": {"owner": "a"}}}, "CKV_ORG_1")
    assert got == {"CKV_ORG_1 aws_future_service_thing.x": "FAILED"}


def test_required_tags_accept_provider_default_tags_in_tags_all(tmp_path: Path) -> None:
    got = results(tmp_path, {"aws_sns_topic.t": {"name": "t", "tags": {}, "tags_all": TAGS}}, "CKV_ORG_1")
    assert got == {"CKV_ORG_1 aws_sns_topic.t": "PASSED"}


@pytest.mark.parametrize(
    ("env", "region", "expected"),
    [
        ("dev", "eu-west-1", "PASSED"),
        ("dev", "eu-central-1", "FAILED"),
        ("prod", "eu-central-1", "PASSED"),
        (None, "eu-central-1", "FAILED"),  # no env set: the `default` allow-list
        ("dev", None, "FAILED"),  # no region at all
    ],
)
def test_provider_region_allow_list_per_env(
    tmp_path: Path, env: str | None, region: str | None, expected: str
) -> None:
    set_env(env)
    got = results(tmp_path, {"aws_sqs_queue.q": {"name": "q"}}, "CKV_ORG_2", region=region)
    assert got == {"CKV_ORG_2 aws.default": expected}


def test_resource_region_override(tmp_path: Path) -> None:
    got = results(
        tmp_path,
        {
            "aws_sqs_queue.home": {"name": "a", "region": "us-east-1"},
            "aws_sqs_queue.away": {"name": "b", "region": "ap-southeast-2"},
            "aws_sqs_queue.inherits": {"name": "c"},
        },
        "CKV_ORG_3",
    )
    assert got == {"CKV_ORG_3 aws_sqs_queue.home": "PASSED", "CKV_ORG_3 aws_sqs_queue.away": "FAILED"}


def s3_sse(algorithm: str, key: str | None) -> dict[str, Any]:
    default: dict[str, Any] = {"sse_algorithm": algorithm}
    if key is not None:
        default["kms_master_key_id"] = key
    return {"bucket": "b", "rule": [{"apply_server_side_encryption_by_default": [default]}]}


def test_customer_managed_kms_on_every_data_store(tmp_path: Path) -> None:
    got = results(
        tmp_path,
        {
            "aws_s3_bucket_server_side_encryption_configuration.cmk": s3_sse("aws:kms", CMK),
            "aws_s3_bucket_server_side_encryption_configuration.sse_s3": s3_sse("AES256", None),
            "aws_s3_bucket_server_side_encryption_configuration.aws_managed": s3_sse(
                "aws:kms", "alias/aws/s3"
            ),
            "aws_dynamodb_table.cmk": {"server_side_encryption": [{"enabled": True, "kms_key_arn": CMK}]},
            "aws_dynamodb_table.aws_owned": {"name": "t"},
            "aws_rds_cluster.cmk": {"storage_encrypted": True, "kms_key_id": CMK},
            "aws_rds_cluster.default_key": {"storage_encrypted": True},
            "aws_db_instance.unencrypted": {"storage_encrypted": False},
            "aws_sqs_queue.cmk": {"kms_master_key_id": "alias/orders"},
            "aws_sqs_queue.sse_sqs": {"sqs_managed_sse_enabled": True},
            "aws_sns_topic.aws_managed": {"kms_master_key_id": "alias/aws/sns"},
            "aws_cloudwatch_log_group.cmk": {"kms_key_id": CMK},
            "aws_cloudwatch_log_group.plain": {"name": "/aws/lambda/x"},
        },
        "CKV_ORG_4",
    )
    assert {k.split(" ")[1]: v for k, v in got.items()} == {
        "aws_s3_bucket_server_side_encryption_configuration.cmk": "PASSED",
        "aws_s3_bucket_server_side_encryption_configuration.sse_s3": "FAILED",
        "aws_s3_bucket_server_side_encryption_configuration.aws_managed": "FAILED",
        "aws_dynamodb_table.cmk": "PASSED",
        "aws_dynamodb_table.aws_owned": "FAILED",
        "aws_rds_cluster.cmk": "PASSED",
        "aws_rds_cluster.default_key": "FAILED",
        "aws_db_instance.unencrypted": "FAILED",
        "aws_sqs_queue.cmk": "PASSED",
        "aws_sqs_queue.sse_sqs": "FAILED",
        "aws_sns_topic.aws_managed": "FAILED",
        "aws_cloudwatch_log_group.cmk": "PASSED",
        "aws_cloudwatch_log_group.plain": "FAILED",
    }


def test_customer_managed_kms_inline_s3_config_and_bucket_without_one(tmp_path: Path) -> None:
    inline = {"server_side_encryption_configuration": [s3_sse("aws:kms", CMK)]}
    got = results(
        tmp_path, {"aws_s3_bucket.inline": inline, "aws_s3_bucket.bare": {"bucket": "x"}}, "CKV_ORG_4"
    )
    # A bucket without inline config is judged through its encryption resource instead.
    assert got == {"CKV_ORG_4 aws_s3_bucket.inline": "PASSED"}


def test_lambda_arm64_and_concurrency_cap(tmp_path: Path) -> None:
    resources = {
        "aws_lambda_function.good": lambda_fn(),
        "aws_lambda_function.x86": lambda_fn(architectures=["x86_64"]),
        "aws_lambda_function.default_arch": lambda_fn(architectures=None),
        "aws_lambda_function.unreserved": lambda_fn(reserved_concurrent_executions=-1),
        "aws_lambda_function.zero": lambda_fn(reserved_concurrent_executions=0),
    }
    arch = results(tmp_path, resources, "CKV_ORG_5")
    cap = results(tmp_path, resources, "CKV_ORG_6")
    assert {k.split(".")[1]: v for k, v in arch.items()} == {
        "good": "PASSED",
        "x86": "FAILED",
        "default_arch": "FAILED",
        "unreserved": "PASSED",
        "zero": "PASSED",
    }
    assert {k.split(".")[1]: v for k, v in cap.items()} == {
        "good": "PASSED",
        "x86": "PASSED",
        "default_arch": "PASSED",
        "unreserved": "FAILED",
        "zero": "FAILED",
    }


def distribution(
    policy: str = "redirect-to-https", tls: str = "TLSv1.2_2021", **extra: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "enabled": True,
        "default_cache_behavior": [{"target_origin_id": "o", "viewer_protocol_policy": policy}],
        "viewer_certificate": [{"cloudfront_default_certificate": False, "minimum_protocol_version": tls}],
    }
    values.update(extra)
    return values


def test_cloudfront_minimum_tls(tmp_path: Path) -> None:
    got = results(
        tmp_path,
        {
            "aws_cloudfront_distribution.modern": distribution(),
            "aws_cloudfront_distribution.tls13": distribution(tls="TLSv1.3_2025"),
            "aws_cloudfront_distribution.old": distribution(tls="TLSv1.1_2016"),
            "aws_cloudfront_distribution.default_cert": distribution(
                viewer_certificate=[
                    {"cloudfront_default_certificate": True, "minimum_protocol_version": "TLSv1"}
                ]
            ),
        },
        "CKV_ORG_7",
    )
    assert {k.split(".")[1]: v for k, v in got.items()} == {
        "modern": "PASSED",
        "tls13": "PASSED",
        "old": "FAILED",
        "default_cert": "FAILED",
    }


def test_cloudfront_https_on_every_behavior(tmp_path: Path) -> None:
    ordered_ok = [{"viewer_protocol_policy": "https-only"}, {"viewer_protocol_policy": "redirect-to-https"}]
    ordered_bad = [{"viewer_protocol_policy": "https-only"}, {"viewer_protocol_policy": "allow-all"}]
    got = results(
        tmp_path,
        {
            "aws_cloudfront_distribution.ok": distribution(ordered_cache_behavior=ordered_ok),
            "aws_cloudfront_distribution.default_http": distribution(policy="allow-all"),
            "aws_cloudfront_distribution.ordered_http": distribution(ordered_cache_behavior=ordered_bad),
        },
        "CKV_ORG_8",
    )
    assert {k.split(".")[1]: v for k, v in got.items()} == {
        "ok": "PASSED",
        "default_http": "FAILED",
        "ordered_http": "FAILED",
    }


@pytest.mark.parametrize(
    ("days", "expected"), [(30, "PASSED"), (731, "PASSED"), (7, "FAILED"), (3653, "FAILED"), (None, "FAILED")]
)
def test_log_retention_floor_and_ceiling(tmp_path: Path, days: int | None, expected: str) -> None:
    values = {"name": "/aws/lambda/api"} | ({"retention_in_days": days} if days is not None else {})
    got = results(tmp_path, {"aws_cloudwatch_log_group.logs": values}, "CKV_ORG_9")
    assert got == {"CKV_ORG_9 aws_cloudwatch_log_group.logs": expected}


@pytest.mark.parametrize(
    ("env", "acu", "expected"), [("dev", 2, "PASSED"), ("dev", 8, "FAILED"), ("prod", 8, "PASSED")]
)
def test_aurora_serverless_v2_acu_cap(tmp_path: Path, env: str, acu: float, expected: str) -> None:
    set_env(env)
    got = results(
        tmp_path,
        {
            "aws_rds_cluster.v2": {
                "engine": "aurora-postgresql",
                "serverlessv2_scaling_configuration": [{"min_capacity": 0.5, "max_capacity": acu}],
            },
            "aws_rds_cluster.provisioned": {"engine": "aurora-postgresql"},
        },
        "CKV_ORG_10",
    )
    assert got == {"CKV_ORG_10 aws_rds_cluster.v2": expected}


@pytest.mark.parametrize(
    ("env", "memory", "expected"),
    [("dev", 512, "PASSED"), ("dev", 1024, "FAILED"), ("prod", 1024, "PASSED"), ("prod", None, "PASSED")],
)
def test_lambda_memory_cap(tmp_path: Path, env: str, memory: int | None, expected: str) -> None:
    set_env(env)
    got = results(tmp_path, {"aws_lambda_function.fn": lambda_fn(memory_size=memory)}, "CKV_ORG_11")
    assert got == {"CKV_ORG_11 aws_lambda_function.fn": expected}


def test_s3_public_acl(tmp_path: Path) -> None:
    all_users = {"uri": "http://acs.amazonaws.com/groups/global/AllUsers", "type": "Group"}
    got = results(
        tmp_path,
        {
            "aws_s3_bucket.private": {"bucket": "a"},
            "aws_s3_bucket.legacy_public": {"bucket": "b", "acl": "public-read"},
            "aws_s3_bucket_acl.private": {"bucket": "c", "acl": "private"},
            "aws_s3_bucket_acl.public_rw": {"bucket": "d", "acl": "public-read-write"},
            "aws_s3_bucket_acl.grant_all_users": {
                "bucket": "e",
                "access_control_policy": [{"grant": [{"grantee": [all_users], "permission": "READ"}]}],
            },
        },
        "CKV_ORG_12",
    )
    assert {k.split(" ")[1]: v for k, v in got.items()} == {
        "aws_s3_bucket.private": "PASSED",
        "aws_s3_bucket.legacy_public": "FAILED",
        "aws_s3_bucket_acl.private": "PASSED",
        "aws_s3_bucket_acl.public_rw": "FAILED",
        "aws_s3_bucket_acl.grant_all_users": "FAILED",
    }


def test_s3_public_access_block_all_four(tmp_path: Path) -> None:
    on = dict.fromkeys(
        ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"], True
    )
    got = results(
        tmp_path,
        {
            "aws_s3_bucket_public_access_block.on": {"bucket": "a", **on},
            "aws_s3_bucket_public_access_block.policy_off": {
                "bucket": "b",
                **on,
                "block_public_policy": False,
            },
        },
        "CKV_ORG_13",
    )
    assert got == {
        "CKV_ORG_13 aws_s3_bucket_public_access_block.on": "PASSED",
        "CKV_ORG_13 aws_s3_bucket_public_access_block.policy_off": "FAILED",
    }


def test_database_not_public(tmp_path: Path) -> None:
    got = results(
        tmp_path,
        {
            "aws_rds_cluster_instance.private": {"publicly_accessible": False},
            "aws_rds_cluster_instance.public": {"publicly_accessible": True},
            "aws_db_instance.default": {"engine": "postgres"},
        },
        "CKV_ORG_14",
    )
    assert got == {
        "CKV_ORG_14 aws_rds_cluster_instance.private": "PASSED",
        "CKV_ORG_14 aws_rds_cluster_instance.public": "FAILED",
        "CKV_ORG_14 aws_db_instance.default": "PASSED",
    }


def test_same_checks_on_terraform_hcl(tmp_path: Path) -> None:
    source = """
resource "aws_lambda_function" "good" {
  function_name                  = "good"
  architectures                  = ["arm64"]
  memory_size                    = 256
  reserved_concurrent_executions = 5
  tags = { owner = "a", "cost-center" = "b", "data-classification" = "c" }
}
resource "aws_lambda_function" "bad" {
  function_name = "bad"
  memory_size   = 4096
  tags          = { owner = "a" }
}
resource "aws_cloudfront_distribution" "cdn" {
  default_cache_behavior { viewer_protocol_policy = "redirect-to-https" }
  ordered_cache_behavior { viewer_protocol_policy = "allow-all" }
  viewer_certificate { minimum_protocol_version = "TLSv1.2_2021" }
}
"""
    got = scan_hcl(
        tmp_path, source, ["CKV_ORG_1", "CKV_ORG_5", "CKV_ORG_6", "CKV_ORG_7", "CKV_ORG_8", "CKV_ORG_11"]
    )
    assert got == {
        "CKV_ORG_1 aws_lambda_function.good": "PASSED",
        "CKV_ORG_5 aws_lambda_function.good": "PASSED",
        "CKV_ORG_6 aws_lambda_function.good": "PASSED",
        "CKV_ORG_11 aws_lambda_function.good": "PASSED",
        "CKV_ORG_1 aws_lambda_function.bad": "FAILED",
        "CKV_ORG_5 aws_lambda_function.bad": "FAILED",
        "CKV_ORG_6 aws_lambda_function.bad": "FAILED",
        "CKV_ORG_11 aws_lambda_function.bad": "FAILED",
        "CKV_ORG_1 aws_cloudfront_distribution.cdn": "FAILED",
        "CKV_ORG_7 aws_cloudfront_distribution.cdn": "PASSED",
        "CKV_ORG_8 aws_cloudfront_distribution.cdn": "FAILED",
    }
