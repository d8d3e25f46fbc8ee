"""What each format says about resources not checked, confinement, default policies, waived and
expired waivers, the tool version, and how the table reads at 80 and 200 columns."""

from __future__ import annotations

import importlib.metadata
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from report_samples import make_finding
from rich.console import Console

from compliance import report as r
from compliance.model import Report, StackReport, Unchecked

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())


def table(report: Report, width: int) -> str:
    console = Console(record=True, width=width, force_terminal=False, file=io.StringIO())
    r.render_table(report, console)
    return console.export_text()


def flat(text: str) -> str:
    return " ".join(text.split())


def network_report() -> Report:
    stack = StackReport(
        project="network",
        path="stacks/network",
        env="dev",
        resources=5,
        findings=[make_finding(resource="flow-logs", result="passed")],
        unchecked=[
            Unchecked(resource="vpc", type="awsx:ec2:Vpc", reason="unexpanded remote component"),
            Unchecked(resource="suffix", type="random:index/randomId:RandomId", reason="other provider"),
        ],
        confinement="bubblewrap",
    )
    return Report(stacks=[stack], summary={"stacks": 1, "passed": 1})


# ------------------------------------------------------------------------------------ unchecked


def test_unchecked_in_the_table_with_a_remote_component_warning() -> None:
    out = flat(table(network_report(), 100))
    assert "2 not checked" in out
    assert "not checked (2):" in out
    assert "vpc (awsx:ec2:Vpc): unexpanded remote component" in out
    assert "suffix (random:index/randomId:RandomId): other provider" in out
    assert "warning: network/dev: remote component vpc (awsx:ec2:Vpc) has no children" in out
    assert "verdict: passed with warnings" in out


def test_unchecked_in_markdown_collapsed() -> None:
    md = r.render_markdown(network_report())
    section = md[md.index("<details><summary>Not checked (2)") :]
    assert section.index("</details>") > section.index("| network/dev | `vpc` | awsx:ec2:Vpc |")
    assert "| network/dev | `suffix` | random:index/randomId:RandomId | other provider |" in section
    assert "remote component `vpc` (awsx:ec2:Vpc) has no children" in md
    assert (
        "⚠️ **gitops check passed with warnings**: 1 stack, 0 mandatory findings failed, 2 not checked." in md
    )


def test_unchecked_in_sarif_as_run_property_and_warning() -> None:
    sarif = r.render_sarif(network_report())
    jsonschema.validate(sarif, SCHEMA)
    run = sarif["runs"][0]
    assert run["properties"]["unchecked"] == [
        {
            "project": "network",
            "env": "dev",
            "resource": "vpc",
            "type": "awsx:ec2:Vpc",
            "reason": "unexpanded remote component",
        },
        {
            "project": "network",
            "env": "dev",
            "resource": "suffix",
            "type": "random:index/randomId:RandomId",
            "reason": "other provider",
        },
    ]
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning" and "vpc" in note["message"]["text"]
    assert run["invocations"][0]["executionSuccessful"] is True


def test_unchecked_in_junit_as_skipped_testcases() -> None:
    suite = ET.fromstring(r.render_junit(network_report())).find("testsuite")
    assert suite is not None and suite.get("skipped") == "2" and suite.get("tests") == "3"
    skipped = {
        c.get("name"): c.find("skipped") for c in suite.findall("testcase") if c.find("skipped") is not None
    }
    vpc = skipped["not checked vpc"]
    assert vpc is not None and vpc.get("message") == "not checked: unexpanded remote component"


def test_unchecked_in_json() -> None:
    doc = json.loads(r.render_json(network_report()))
    assert doc["stacks"][0]["unchecked"][0] == {
        "resource": "vpc",
        "type": "awsx:ec2:Vpc",
        "reason": "unexpanded remote component",
    }


# ---------------------------------------------------------------------------------- confinement


def test_confinement_in_table_and_markdown() -> None:
    rep = network_report()
    assert "; sandboxed with bubblewrap" in flat(table(rep, 200))
    assert "programs sandboxed with bubblewrap" in r.render_markdown(rep)
    other = rep.stacks[0].model_copy(update={"project": "legacy", "confinement": "none"})
    mixed = Report(stacks=[rep.stacks[0], other])
    assert "; not confined" in flat(table(mixed, 200))
    md = r.render_markdown(mixed)
    assert "programs sandboxed with bubblewrap: network; not confined: legacy" in md


# ------------------------------------------------------------------------------ default policies


def test_default_policies_say_so_and_drop_the_frameworks() -> None:
    stack = StackReport(project="p", path="stacks/p", env="dev", resources=1, findings=[make_finding()])
    summary = {
        "policies": {"source": "defaults", "differs": []},
        "frameworks": {"CIS-AWS": {"passing": ["CIS-AWS-2.1.4"], "failing": [], "waived": []}},
    }
    rep = Report(stacks=[stack], summary=summary)
    md = r.render_markdown(rep)
    assert "Checkov's defaults apply (all checks mandatory)" in md
    assert "policies from" not in md and "### Frameworks" not in md
    assert "Checkov's defaults apply (all checks mandatory)" in flat(table(rep, 100))
    with_policies = Report(
        stacks=[stack], summary={**summary, "policies": {"source": "worktree", "differs": []}}
    )
    assert "### Frameworks" in r.render_markdown(with_policies)
    assert "defaults apply" not in table(with_policies, 100)


# ------------------------------------------------------------------------------------------ SARIF


def test_sarif_driver_version_and_help_uri() -> None:
    stack = StackReport(
        project="p",
        path="stacks/p",
        env="dev",
        resources=1,
        findings=[make_finding(), make_finding(check_id="CKV_ORG_3", guideline=None, resource="b")],
    )
    sarif = r.render_sarif(Report(stacks=[stack]))
    jsonschema.validate(sarif, SCHEMA)
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["version"] == importlib.metadata.version("gitops-iac")
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert rules["CKV_AWS_145"]["helpUri"] == make_finding().guideline
    assert "helpUri" not in rules["CKV_ORG_3"]


# ----------------------------------------------------------------------------- table at 80 / 200


def ci_report() -> Report:
    stack = StackReport(
        project="serverless",
        path="stacks/serverless",
        env="prod",
        resources=24,
        findings=[
            make_finding(
                check_id="CKV_AWS_117",
                title="Ensure that AWS Lambda function is configured inside a VPC",
                resource="orders-api",
                type="aws:lambda/function:Function",
                file="stacks/serverless/__main__.py",
                line=31,
                level="advisory",
            ),
            make_finding(
                check_id="CKV2_AWS_65",
                title="Ensure access control lists for S3 buckets are disabled",
                resource="logs",
                type="aws:s3/bucketOwnershipControls:BucketOwnershipControls",
                file="stacks/serverless/__main__.py",
                line=28,
                result="waived",
                waiver={
                    "reason": "legacy logging needs ACLs",
                    "owner": "platform-edge@example.com",
                    "expires": "2027-05-31",
                },
            ),
        ],
    )
    return Report(stacks=[stack], summary={"stacks": 1, "advisory_failed": 1, "waived": 1})


def test_table_at_80_columns_is_one_block_per_finding() -> None:
    out = table(ci_report(), 80)
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert all(line == line.rstrip() for line in lines)  # no padding to the width in a CI log
    # type and title are whole, not one word per line
    assert any("CKV_AWS_117  orders-api (aws:lambda/function:Function)" in line for line in lines)
    assert any(line.strip() == "Ensure that AWS Lambda function is configured inside a VPC" for line in lines)
    assert any(line.strip() == "stacks/serverless/__main__.py:31" for line in lines)
    flat = " ".join(out.split())
    assert "waived by platform-edge@example.com until 2027-05-31: legacy logging needs ACLs" in flat
    assert "┃" not in out  # no table borders squeezed into 80 columns


def test_table_at_200_columns_is_a_table_row_per_finding() -> None:
    out = table(ci_report(), 200)
    row = next(line for line in out.splitlines() if "CKV_AWS_117" in line)
    for cell in (
        "advisory",
        "orders-api",
        "aws:lambda/function:Function",
        "stacks/serverless/__main__.py:31",
    ):
        assert cell in row
    assert "Ensure that AWS Lambda function is configured inside a VPC" in row
    waived = next(line for line in out.splitlines() if "CKV2_AWS_65" in line)
    assert "waived" in waived and "aws:s3/bucketOwnershipControls:BucketOwnershipControls" in waived
    assert "waived by platform-edge@example.com until 2027-05-31" in out


# ------------------------------------------------------------------------------ expired waivers


def expired_only() -> Report:
    stack = StackReport(
        project="p", path="stacks/p", env="dev", resources=1, findings=[make_finding(result="passed")]
    )
    summary = {
        "stacks": 1,
        "passed": 1,
        "failed": 0,
        "waivers": {
            "expired": [{"check": "CKV_AWS_1", "resource": "b", "owner": "team-a", "expires": "2026-01-01"}]
        },
    }
    return Report(stacks=[stack], summary=summary)


def test_expired_waiver_has_its_own_line_and_verdict() -> None:
    out = table(expired_only(), 200)
    assert (
        "expired waiver CKV_AWS_1 on b: owner team-a, expires 2026-01-01: the gate fails until it is renewed"
        in out
    )
    verdict = next(line for line in out.splitlines() if line.startswith("verdict:"))
    assert verdict.startswith("verdict: failed: 1 expired waiver (1 stack, no failed finding,")
    assert "0 failed" not in verdict
    assert r.verdict_line(expired_only()) == verdict


@pytest.mark.parametrize(
    ("failed", "expected"),
    [
        (0, "verdict: failed: 1 expired waiver (1 stack, no failed finding"),
        (1, "verdict: failed: mandatory findings failed and 1 expired waiver (1 stack, 1 failed"),
    ],
)
def test_verdict_line_names_the_causes(failed: int, expected: str) -> None:
    rep = expired_only()
    if failed:
        rep.stacks[0].findings.append(make_finding())
        rep.summary["failed"] = 1
    assert r.verdict_line(rep).startswith(expected)
    assert r.verdict_line(rep).endswith(", 1 expired waiver)")
