"""Offline lookups (provider functions): plausible, well-typed results from the SDK's result types."""

from __future__ import annotations

import collections.abc
import importlib
import re
import typing
from typing import Any

import pytest

from compliance.evaluation.fake_cloud import ACCOUNT, mock_call, plausible_result
from compliance.evaluation.result_types import ListOf, MapOf, ObjectType, result_type

REGION = "eu-west-1"
EC2_ID = r"[0-9a-f]{17}"


def test_get_ami_returns_an_image_and_converts_string_arguments() -> None:
    args = {
        "mostRecent": "true",
        "owners": ["amazon"],
        "filters": [{"name": "name", "values": ["al2023-ami-*"]}],
        "notAnArgument": "echo me",
    }
    ami = mock_call("aws:ec2/getAmi:getAmi", args, REGION)
    assert re.fullmatch(rf"ami-{EC2_ID}", ami["id"])
    assert ami["imageId"] == ami["id"]
    assert ami["mostRecent"] is True  # the provider converts "true"; so does the mock
    assert ami["owners"] == ["amazon"] and ami["filters"] == args["filters"]
    assert ami["arn"] == f"arn:aws:ec2:{REGION}::image/{ami['id']}"
    assert ami["ownerId"] == ACCOUNT and ami["architecture"] == "x86_64"
    assert re.fullmatch(rf"aki-{EC2_ID}", ami["kernelId"]) and re.fullmatch(
        rf"snap-{EC2_ID}", ami["rootSnapshotId"]
    )
    assert "notAnArgument" not in ami  # never an echo of what the result type does not declare
    assert ami["blockDeviceMappings"] == [] and ami["tags"] == {}


def test_get_vpc_and_get_subnets() -> None:
    vpc = mock_call("aws:ec2/getVpc:getVpc", {"default": True}, REGION)
    assert re.fullmatch(rf"vpc-{EC2_ID}", vpc["id"]) and vpc["default"] is True
    assert vpc["cidrBlock"] == "10.0.0.0/16"
    assert re.fullmatch(rf"rtb-{EC2_ID}", vpc["mainRouteTableId"])
    assert re.fullmatch(rf"dopt-{EC2_ID}", vpc["dhcpOptionsId"])
    assert vpc["arn"] == f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{vpc['id']}"
    subnets = mock_call(
        "aws:ec2/getSubnets:getSubnets", {"filters": [{"name": "vpc-id", "values": [vpc["id"]]}]}, REGION
    )
    assert len(subnets["ids"]) == 3 and len(set(subnets["ids"])) == 3
    assert all(re.fullmatch(rf"subnet-{EC2_ID}", s) for s in subnets["ids"])
    assert subnets["id"] == REGION
    subnet = mock_call("aws:ec2/getSubnet:getSubnet", {"id": subnets["ids"][0]}, REGION)
    assert subnet["id"] == subnets["ids"][0]  # the argument, declared by the result type
    assert re.fullmatch(rf"vpc-{EC2_ID}", subnet["vpcId"])
    assert subnet["availabilityZone"] == f"{REGION}a" and subnet["cidrBlock"].startswith("10.0.")


def test_get_zone_has_ids_and_the_name_asked_for() -> None:
    zone = mock_call("aws:route53/getZone:getZone", {"name": "example.com", "privateZone": False}, REGION)
    assert re.fullmatch(r"Z[0-9A-F]{13}", zone["id"]) and zone["zoneId"] == zone["id"]
    assert zone["name"] == "example.com" and zone["privateZone"] is False
    assert zone["arn"] == f"arn:aws:route53:::hostedzone/{zone['id']}"
    assert len(zone["nameServers"]) == 4 and isinstance(zone["resourceRecordSetCount"], int)
    by_id = mock_call("aws:route53/getZone:getZone", {"zoneId": "Z0123456789ABC"}, REGION)
    assert by_id["zoneId"] == "Z0123456789ABC" and by_id["name"].endswith(".example.com")


def test_fixed_answers_keep_their_values_and_are_complete() -> None:
    identity = mock_call("aws:index/getCallerIdentity:getCallerIdentity", {}, REGION)
    assert identity == {
        "accountId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:user/offline-evaluation",
        "id": ACCOUNT,
        "userId": "AIDAOFFLINEEVALUATION",
    }
    region = mock_call("aws:index/getRegion:getRegion", {}, REGION)
    assert region["name"] == region["region"] == region["id"] == REGION
    assert isinstance(region["description"], str)
    zones = mock_call("aws:index/getAvailabilityZones:getAvailabilityZones", {"state": "available"}, REGION)
    assert zones["names"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert zones["zoneIds"] == ["euw1-az1", "euw1-az2", "euw1-az3"]
    assert zones["state"] == "available" and zones["excludeNames"] == []


def test_policy_document_is_rendered() -> None:
    args = {
        "statements": [
            {
                "actions": ["s3:GetObject"],
                "resources": ["arn:aws:s3:::logs/*"],
                "principals": [{"type": "Service", "identifiers": ["cloudfront.amazonaws.com"]}],
            }
        ]
    }
    document = mock_call("aws:iam/getPolicyDocument:getPolicyDocument", args, REGION)
    assert '"Principal": {\n        "Service": "cloudfront.amazonaws.com"' in document["json"]
    assert document["minifiedJson"].startswith('{"Version":"2012-10-17","Statement":[{"Effect":"Allow"')
    assert document["statements"][0]["actions"] == ["s3:GetObject"]


def test_results_are_deterministic_and_depend_on_the_arguments() -> None:
    first = mock_call("aws:ec2/getSecurityGroup:getSecurityGroup", {"name": "web"}, REGION)
    assert first == mock_call("aws:ec2/getSecurityGroup:getSecurityGroup", {"name": "web"}, REGION)
    other = mock_call("aws:ec2/getSecurityGroup:getSecurityGroup", {"name": "db"}, REGION)
    assert re.fullmatch(rf"sg-{EC2_ID}", first["id"]) and first["id"] != other["id"]
    assert first["name"] == "web" and first["arn"].endswith(f":security-group/{first['id']}")


def test_unknown_functions_return_nothing_rather_than_their_arguments() -> None:
    assert mock_call("random:index/getShuffled:getShuffled", {"inputs": ["a"]}, REGION) == {}
    assert plausible_result("aws:ec2/getNoSuchThing:getNoSuchThing", {}, REGION) is None


def _runtime_view(tp: Any) -> Any:
    if tp in (str, bool, int, float):
        return tp.__name__
    origin = typing.get_origin(tp)
    if origin in (list, collections.abc.Sequence):
        return ("list", _runtime_view(typing.get_args(tp)[0]))
    if origin in (dict, collections.abc.Mapping):
        return ("map", _runtime_view(typing.get_args(tp)[1]))
    if isinstance(tp, type) and hasattr(tp, "_pulumi_output_type"):
        return ("object", tp.__name__)
    return "any"


def _source_view(spec: Any) -> Any:
    if isinstance(spec, ListOf):
        return ("list", _source_view(spec.item))
    if isinstance(spec, MapOf):
        return ("map", _source_view(spec.value))
    if isinstance(spec, ObjectType):
        return ("object", spec.name)
    return spec


@pytest.mark.parametrize("module", ["pulumi_aws", "pulumi_aws.route53", "pulumi_aws.iam", "pulumi_aws.kms"])
def test_source_read_types_match_the_sdk(module: str) -> None:
    """The result types read from source equal the SDK's own view (pulumi._types) for every function."""
    from pathlib import Path

    from pulumi import _types

    package = importlib.import_module(module)
    checked = 0
    for source in sorted(Path(package.__file__ or "").parent.glob("get_*.py")):
        token = re.search(r"invoke\('([^']+)'", source.read_text())
        if token is None:
            continue
        function = token.group(1).split(":")[2]
        loaded = importlib.import_module(f"{module}.{source.stem}")
        cls = getattr(loaded, f"{function[0].upper()}{function[1:]}Result")
        expected = {k: _runtime_view(v) for k, v in _types.output_type_types(cls).items()}
        fields = result_type(token.group(1))
        assert fields is not None, token.group(1)
        assert {f.wire: _source_view(f.type) for f in fields} == expected, token.group(1)
        checked += 1
    assert checked >= 5
