"""Pinned lookups (gitops-lookups.yaml), errors explained by a lookup, and real programs using lookups."""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from compliance.errors import ConfigError
from compliance.evaluate import evaluate_project
from compliance.evaluation.fake_cloud import mock_call
from compliance.evaluation.lookups import (
    LookupCall,
    explain_lookup_error,
    function_name,
    function_token,
    load_lookup_pins,
)
from compliance.model import Resource, StackGraph

PROGRAMS = Path(__file__).parent / "programs"
REPO = Path(__file__).resolve().parents[2]
REL = "tests/lookups/programs"


def one(graph: StackGraph, type_token: str) -> Resource:
    matches = [r for r in graph.resources if r.type == type_token]
    assert len(matches) == 1, [r.type for r in graph.resources]
    return matches[0]


def test_function_names_and_tokens() -> None:
    assert function_token("aws.ec2.get_ami") == "aws:ec2/getAmi:getAmi"
    assert function_token("aws.get_caller_identity") == "aws:index/getCallerIdentity:getCallerIdentity"
    assert function_token("aws:route53/getZone:getZone") == "aws:route53/getZone:getZone"
    assert function_name("aws:ec2/getAmi:getAmi") == "aws.ec2.get_ami"
    assert (
        function_name("aws:index/getAvailabilityZones:getAvailabilityZones") == "aws.get_availability_zones"
    )
    assert function_token("aws.lambda_.get_function") == "aws:lambda/getFunction:getFunction"
    assert function_name("aws:lambda/getFunction:getFunction") == "aws.lambda_.get_function"
    with pytest.raises(ValueError):
        function_token("ec2 get ami")


PINS = """\
lookups:
  - function: aws.ec2.get_ami
    args: {owners: ["self"]}
    result: {image_id: ami-0aaaaaaaaaaaaaaaa, id: ami-0aaaaaaaaaaaaaaaa, architecture: arm64}
  - function: aws:ec2/getAmi:getAmi
    result: {architecture: x86_64}
  - function: aws.get_caller_identity
    result: {account_id: "210987654321"}
"""


def test_pins_override_the_made_up_fields_and_match_by_arguments(tmp_path: Path) -> None:
    (tmp_path / "gitops-lookups.yaml").write_text(PINS)
    pins = load_lookup_pins(tmp_path)
    own = mock_call("aws:ec2/getAmi:getAmi", {"owners": ["self"], "mostRecent": True}, "us-east-1", pins)
    assert own["imageId"] == own["id"] == "ami-0aaaaaaaaaaaaaaaa" and own["architecture"] == "arm64"
    assert own["mostRecent"] is True and own["arn"].startswith("arn:aws:ec2:us-east-1::image/ami-")
    amazon = mock_call("aws:ec2/getAmi:getAmi", {"owners": ["amazon"]}, "us-east-1", pins)
    assert amazon["architecture"] == "x86_64" and amazon["imageId"] != "ami-0aaaaaaaaaaaaaaaa"
    identity = mock_call("aws:index/getCallerIdentity:getCallerIdentity", {}, "us-east-1", pins)
    assert identity["accountId"] == "210987654321"
    assert load_lookup_pins(tmp_path / "elsewhere").lookups == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("lookups:\n  - function: aws.ec2.get_ami\n", "lookups.0.result: Field required"),
        (
            "lookups:\n  - function: fetch the ami\n    result: {}\n",
            "lookups.0.function: 'fetch the ami' is not a function",
        ),
        (
            "lookups:\n  - function: aws.ec2.get_ami\n    result: {}\n    when: x\n",
            "lookups.0.when: Extra inputs",
        ),
        ("- function: aws.ec2.get_ami\n", "expected a mapping with a 'lookups' list"),
        ("lookups: [\n", "invalid YAML"),
    ],
)
def test_malformed_pins_are_one_line_errors_naming_the_file(tmp_path: Path, text: str, error: str) -> None:
    (tmp_path / "gitops-lookups.yaml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_lookup_pins(tmp_path)
    message = str(err.value)
    assert message.startswith(str(tmp_path / "gitops-lookups.yaml")) and error in message
    assert "\n" not in message


def test_errors_are_explained_by_the_lookup_that_caused_them(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "ami = aws.ec2.get_ami(most_recent=True)\n"
        "zone = aws.route53.get_zone(name='example.com')\n"
        "size = int(ami.name.split('-')[1])\n"
        "print(region)\n"
    )
    ami = mock_call("aws:ec2/getAmi:getAmi", {"mostRecent": True}, "us-east-1")
    calls = [
        LookupCall.of("aws:ec2/getAmi:getAmi", ami, file="app/__main__.py", line=2, pinned=False),
        LookupCall.of("aws:route53/getZone:getZone", {}, file="app/__main__.py", line=3, pinned=True),
    ]
    used = "app/__main__.py:4: ValueError: invalid literal for int() with base 10: 'x'"
    assert explain_lookup_error(used, calls, tmp_path) == (
        f"{used} (after offline lookup aws.ec2.get_ami returned a placeholder; pin it in gitops-lookups.yaml)"
    )
    on_call = "app/__main__.py:3: TypeError: Expected argument 'name' to be a str"
    assert explain_lookup_error(on_call, calls, tmp_path).endswith(
        "(after offline lookup aws.route53.get_zone returned the result pinned in gitops-lookups.yaml)"
    )
    quoted = f"stacks/other.py:9: KeyError: '{ami['imageId']}'"
    assert "aws.ec2.get_ami" in explain_lookup_error(quoted, calls, tmp_path)
    unrelated = "app/__main__.py:5: NameError: name 'region' is not defined"
    assert explain_lookup_error(unrelated, calls, tmp_path) == unrelated


def test_a_program_placed_by_lookups_evaluates_with_real_looking_ids() -> None:
    graph = evaluate_project(PROGRAMS / "web", "dev", repo_root=REPO)
    assert graph.error is None, graph.error
    server = one(graph, "aws:ec2/instance:Instance")
    assert re.fullmatch(r"ami-[0-9a-f]{17}", server.inputs["ami"])
    assert re.fullmatch(r"subnet-[0-9a-f]{17}", server.inputs["subnetId"])
    assert server.inputs["availabilityZone"] == "eu-west-1a"
    assert server.inputs["tags"] == {"Owner": "123456789012", "Region": "eu-west-1"}
    assert server.inputs["ami"] == graph.outputs["image"]
    assert server.inputs["subnetId"] == graph.outputs["subnets"][0] and len(graph.outputs["subnets"]) == 3
    group = one(graph, "aws:ec2/securityGroup:SecurityGroup")
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", group.inputs["vpcId"])
    assert group.inputs["ingress"][0]["cidrBlocks"] == ["10.0.0.0/16"]
    record = one(graph, "aws:route53/record:Record")
    assert re.fullmatch(r"Z[0-9A-F]{13}", record.inputs["zoneId"])
    assert record.inputs["name"] == "web.example.com"
    role = one(graph, "aws:iam/role:Role")
    assert '"Service": "ec2.amazonaws.com"' in role.inputs["assumeRolePolicy"]
    again = evaluate_project(PROGRAMS / "web", "dev", repo_root=REPO)
    assert again.model_dump() == graph.model_dump()


def test_string_arguments_are_converted_as_the_provider_does() -> None:
    graph = evaluate_project(PROGRAMS / "coerced", "dev", repo_root=REPO)
    assert graph.error is None, graph.error  # was: Expected argument 'most_recent' to be a bool
    assert graph.outputs["mostRecent"] is True
    assert re.fullmatch(r"ami-[0-9a-f]{17}", one(graph, "aws:ec2/instance:Instance").inputs["ami"])


def test_a_program_that_trusts_a_lookup_value_fails_on_its_own_line() -> None:
    graph = evaluate_project(PROGRAMS / "unlucky", "dev", repo_root=REPO)
    assert graph.error is not None
    assert graph.error.startswith(
        f"{REL}/unlucky/__main__.py:7: ValueError: expected a Graviton image, got x86_64"
    )
    calls = [LookupCall(token="aws:ec2/getAmi:getAmi", file=f"{REL}/unlucky/__main__.py", line=5)]
    assert explain_lookup_error(graph.error, calls, REPO).endswith(
        "(after offline lookup aws.ec2.get_ami returned a placeholder; pin it in gitops-lookups.yaml)"
    )


def test_a_lookup_in_a_helper_module_is_named_when_the_line_using_its_result_fails() -> None:
    graph = evaluate_project(PROGRAMS / "fleet", "dev", repo_root=REPO)
    assert graph.error == (
        f"{REL}/fleet/images.py:10: AssertionError: the fleet runs on Graviton "
        "(after offline lookup aws.ec2.get_ami returned a placeholder; pin it in gitops-lookups.yaml)"
    )


def test_pinning_the_lookup_a_helper_module_relies_on(tmp_path: Path) -> None:
    program = tmp_path / "fleet"
    shutil.copytree(PROGRAMS / "fleet", program)
    (program / "gitops-lookups.yaml").write_text(
        "lookups:\n  - function: aws.ec2.get_ami\n    result: {architecture: arm64}\n"
    )
    graph = evaluate_project(program, "dev", repo_root=tmp_path)
    assert graph.error is None, graph.error
    workers = [r for r in graph.resources if r.type == "aws:ec2/instance:Instance"]
    assert len(workers) == 2 and all(re.fullmatch(r"ami-[0-9a-f]{17}", w.inputs["ami"]) for w in workers)
    (program / "gitops-lookups.yaml").write_text(
        "lookups:\n  - function: aws.ec2.get_ami\n    result: {architecture: i386}\n"
    )
    graph = evaluate_project(program, "dev", repo_root=tmp_path)
    assert graph.error == (
        "fleet/images.py:10: AssertionError: the fleet runs on Graviton "
        "(after offline lookup aws.ec2.get_ami returned the result pinned in gitops-lookups.yaml)"
    )


def test_an_output_form_lookup_is_named_when_its_apply_fails() -> None:
    graph = evaluate_project(PROGRAMS / "delegated", "dev", repo_root=REPO)
    assert graph.error == (
        f"{REL}/delegated/__main__.py:7: IndexError: string index out of range "
        "(after offline lookup aws.route53.get_zone returned a placeholder; pin it in gitops-lookups.yaml)"
    )


def test_a_lookup_whose_result_fails_on_the_calling_line_is_named() -> None:
    graph = evaluate_project(PROGRAMS / "resolver", "dev", repo_root=REPO)
    assert graph.error == (
        f"{REL}/resolver/__main__.py:5: IndexError: list index out of range "
        "(after offline lookup aws.ec2.get_subnets returned a placeholder; pin it in gitops-lookups.yaml)"
    )


def test_source_lines_are_read_only_from_regular_files_inside_the_repository(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    os.mkfifo(root / "app" / "pipe.py")
    outside = tmp_path / "outside.py"
    outside.write_text("ami = aws.ec2.get_ami()\nprint(ami.id)\n")
    (root / "app" / "link.py").symlink_to(outside)
    results: list[str] = []

    def explain() -> None:
        for file in ("app/pipe.py", "app/link.py", "../outside.py"):
            call = LookupCall(token="aws:ec2/getAmi:getAmi", file=file, line=1)
            results.append(explain_lookup_error(f"{file}:2: KeyError: 'x'", [call], root))

    worker = threading.Thread(target=explain, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "reading a FIFO named by the program blocked the gate"
    assert results == [
        "app/pipe.py:2: KeyError: 'x'",
        "app/link.py:2: KeyError: 'x'",
        "../outside.py:2: KeyError: 'x'",
    ]
