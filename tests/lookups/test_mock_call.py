"""Offline lookups (provider functions): plausible, well-typed results from the SDK's result types."""

from __future__ import annotations

import collections.abc
import importlib
import re
import typing
from pathlib import Path
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


OLD_SDK_FUNCTION = '''\
import builtins as _builtins
import pulumi
from typing import Any, Mapping, Optional, Sequence
from . import outputs

@pulumi.output_type
class GetWidgetResult:
    """Shaped like a generated result class of an older SDK."""
    def __init__(__self__, id=None, name=None, port=None, enabled=None, zone_ids=None, rules=None):
        pulumi.set(__self__, "id", id)

    @_builtins.property
    @pulumi.getter
    def id(self) -> _builtins.str:
        return pulumi.get(self, "id")

    @_builtins.property
    @pulumi.getter
    def name(self) -> Optional[str]:
        return pulumi.get(self, "name")

    @_builtins.property
    @pulumi.getter
    def port(self) -> int:
        return pulumi.get(self, "port")

    @_builtins.property
    @pulumi.getter
    def enabled(self) -> bool:
        return pulumi.get(self, "enabled")

    @_builtins.property
    @pulumi.getter(name="subnetIds")
    def subnet_ids(self) -> Sequence[str]:
        return pulumi.get(self, "subnet_ids")

    @_builtins.property
    @pulumi.getter
    def rules(self) -> Sequence['outputs.GetWidgetRuleResult']:
        return pulumi.get(self, "rules")


class AwaitableGetWidgetResult(GetWidgetResult):
    pass
'''

OLD_SDK_OUTPUTS = """\
import pulumi

@pulumi.output_type
class GetWidgetRuleResult(dict):
    @property
    @pulumi.getter(name="fromPort")
    def from_port(self) -> int:
        return pulumi.get(self, "from_port")

    @property
    @pulumi.getter
    def cidrs(self) -> Sequence[str]:
        return pulumi.get(self, "cidrs")
"""


def test_result_types_come_from_the_programs_own_sdk(tmp_path: Path) -> None:
    """With `sdk_path` (the program's site-packages), that SDK's result type is used, not the gate's."""
    module = tmp_path / "pulumi_aws" / "widgets"
    module.mkdir(parents=True)
    (tmp_path / "pulumi_aws" / "__init__.py").write_text("raise ImportError('never imported')\n")
    (module / "get_widget.py").write_text(OLD_SDK_FUNCTION)
    (module / "outputs.py").write_text(OLD_SDK_OUTPUTS)
    args = {"name": "front", "rules": [{"fromPort": "443", "cidrs": ["10.0.0.0/8"], "extra": 1}], "bogus": 1}
    result = mock_call("aws:widgets/getWidget:getWidget", args, REGION, sdk_path=[str(tmp_path)])
    assert set(result) == {"id", "name", "port", "enabled", "subnetIds", "rules"}
    assert result["name"] == "front" and result["port"] == 1 and result["enabled"] is True
    assert result["rules"] == [{"fromPort": 443, "cidrs": ["10.0.0.0/8"]}]
    assert len(result["subnetIds"]) == 1 and re.fullmatch(rf"subnet-{EC2_ID}", result["subnetIds"][0])
    assert mock_call("aws:widgets/getWidget:getWidget", {}, REGION) == {}  # not in the gate's SDK
