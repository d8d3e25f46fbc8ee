"""`gitops check` end to end: contract, exit codes, waivers, --policies-from, --changed-since, errors."""

from __future__ import annotations

import json
import shutil
import textwrap
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from gate_repo import QUEUE_PROGRAM, ROOT, GateRepo, write_project

pytestmark = pytest.mark.slow

FINDING_KEYS = {"check_id", "title", "severity", "result", "resource", "type", "file", "line", "guideline"}
STACK_KEYS = {"project", "path", "env", "resources", "error", "findings"}


def findings(report: dict[str, Any], project: str, check_id: str) -> list[dict[str, Any]]:
    stack = next(s for s in report["stacks"] if s["project"] == project)
    return [f for f in stack["findings"] if f["check_id"] == check_id]


def queue_line(needle: str = "aws.sqs.Queue(") -> int:
    """The line of QUEUE_PROGRAM holding `needle` (default: the call's first line)."""
    return next(i for i, line in enumerate(QUEUE_PROGRAM.splitlines(), 1) if needle in line)


SSE_LINE = queue_line("sqs_managed_sse_enabled=")
"""CKV_AWS_27 evaluates `sqs_managed_sse_enabled`: findings point at that keyword's line."""


def test_failed_mandatory_finding_is_reported_on_the_source_line(gate_repo: GateRepo) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    gate_repo.commit("queue")
    code, report = gate_repo.check_json("stacks")
    assert code == 1
    assert {"stacks", "summary"} <= set(report)
    (stack,) = report["stacks"]
    assert set(stack) >= STACK_KEYS
    assert stack["project"] == "queue" and stack["env"] == "dev" and stack["error"] is None
    assert stack["resources"] >= 1
    (finding,) = findings(report, "queue", "CKV_AWS_27")
    assert set(finding) >= FINDING_KEYS
    assert finding["result"] == "failed"
    assert finding["resource"] == "orders"
    assert finding["type"] == "aws:sqs/queue:Queue"
    assert finding["file"] == "stacks/queue/__main__.py"
    assert finding["line"] == SSE_LINE
    assert finding["call_line"] == queue_line()
    assert finding["level"] == "mandatory"
    # Disabled checks are not reported at all; advisory ones carry their level.
    assert all(f["check_id"] in {"CKV_AWS_27", "CKV_AWS_26"} for f in stack["findings"])
    assert report["summary"]["failed"] == 1


def test_compliant_program_exits_zero(gate_repo: GateRepo) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM, {"encrypted": "true"})
    gate_repo.commit("encrypted queue")
    code, report = gate_repo.check_json("stacks")
    assert code == 0, report
    assert findings(report, "queue", "CKV_AWS_27")[0]["result"] == "passed"


def test_advisory_failure_does_not_fail_the_gate(gate_repo: GateRepo) -> None:
    gate_repo.write("policies/enforcement.yaml", "default: disabled\nchecks:\n  CKV_AWS_27: advisory\n")
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    gate_repo.commit("advisory")
    code, report = gate_repo.check_json("stacks")
    assert code == 0
    (finding,) = findings(report, "queue", "CKV_AWS_27")
    assert finding["result"] == "failed" and finding["level"] == "advisory"
    assert report["summary"]["advisory_failed"] == 1


def waiver(expires: date, resource: str = "orders") -> str:
    return (
        "waivers:\n"
        f"  - check: CKV_AWS_27\n    resource: {resource}\n    stack: queue\n"
        "    reason: queue carries only public catalogue events\n"
        f"    owner: team-orders@example.com\n    expires: {expires.isoformat()}\n"
    )


def test_waiver_turns_failure_into_waived(gate_repo: GateRepo) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    gate_repo.write("policies/waivers.yaml", waiver(date.today() + timedelta(days=90)))
    gate_repo.commit("waived")
    code, report = gate_repo.check_json("stacks")
    assert code == 0, report
    (finding,) = findings(report, "queue", "CKV_AWS_27")
    assert finding["result"] == "waived"
    assert finding["waiver"]["owner"] == "team-orders@example.com"


def test_expired_waiver_fails_and_is_named(gate_repo: GateRepo) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    gate_repo.write("policies/waivers.yaml", waiver(date.today() - timedelta(days=1)))
    gate_repo.commit("expired")
    code, report = gate_repo.check_json("stacks")
    assert code == 1
    assert findings(report, "queue", "CKV_AWS_27")[0]["result"] == "failed"
    (expired,) = report["summary"]["waivers"]["expired"]
    assert expired["check"] == "CKV_AWS_27" and expired["resource"] == "orders"


def test_pull_request_cannot_waive_its_own_violation(gate_repo: GateRepo) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM, {"encrypted": "true"})
    base = gate_repo.commit("base: encrypted")
    # The "pull request": drop encryption and waive the finding in the same change.
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    gate_repo.write("policies/waivers.yaml", waiver(date.today() + timedelta(days=30)))
    gate_repo.commit("pr: unencrypted + self-waiver")

    code, _ = gate_repo.check_json("stacks")
    assert code == 0  # the working tree's own waiver would let it through...
    code, report = gate_repo.check_json("stacks", "--policies-from", base)
    assert code == 1  # ...policies from the base revision do not.
    assert findings(report, "queue", "CKV_AWS_27")[0]["result"] == "failed"
    assert report["summary"]["policies"]["source"] == base
    assert "policies/waivers.yaml" in report["summary"]["policies"]["differs"]
    md = gate_repo.check("stacks", "--policies-from", base, "--format", "markdown").stdout
    assert "policies/waivers.yaml" in md


def test_broken_program_is_an_error_and_others_are_still_checked(gate_repo: GateRepo) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    write_project(gate_repo.root, "broken", "import pulumi\nraise RuntimeError('boom in program')\n")
    gate_repo.commit("one broken")
    proc = gate_repo.check("stacks", "--format", "json")
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    broken = next(s for s in report["stacks"] if s["project"] == "broken")
    assert "boom in program" in broken["error"]
    assert findings(report, "queue", "CKV_AWS_27")[0]["result"] == "failed"
    # stderr: the one-line verdict (the report went to stdout as JSON) and one line per broken stack.
    verdict, error = proc.stderr.strip().splitlines()
    assert verdict.startswith("verdict: evaluation error")
    assert error.startswith("gitops check: broken (stacks/broken): ") and "boom in program" in error


def test_changed_since_checks_affected_stacks_and_dependents(gate_repo: GateRepo) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    consumer = """\
        import pulumi
        import pulumi_aws as aws
        ref = pulumi.StackReference(pulumi.Config().require("queueStack"))
        aws.sqs.Queue("replies", kms_master_key_id="alias/r", sqs_managed_sse_enabled=False,
                      tags={"source": ref.get_output("queue_arn")})
        """
    write_project(gate_repo.root, "consumer", consumer, {"queueStack": "organization/queue/dev"})
    write_project(gate_repo.root, "other", QUEUE_PROGRAM, {"encrypted": "true"})
    base = gate_repo.commit("three stacks")

    gate_repo.write("stacks/queue/__main__.py", QUEUE_PROGRAM + "\n# touched\n")
    gate_repo.commit("touch queue")
    _, report = gate_repo.check_json("stacks", "--changed-since", base)
    assert {s["project"] for s in report["stacks"]} == {"queue", "consumer"}

    head = gate_repo.commit("nothing")
    gate_repo.write("stacks/consumer/__main__.py", textwrap.dedent(consumer).replace("replies", "answers"))
    gate_repo.commit("touch consumer")
    code, report = gate_repo.check_json("stacks", "--changed-since", head)
    assert code == 0, [
        (f["check_id"], f["resource"], f["result"]) for s in report["stacks"] for f in s["findings"]
    ]
    assert [s["project"] for s in report["stacks"]] == ["consumer"]


def test_changed_policies_recheck_every_stack(gate_repo: GateRepo) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    write_project(gate_repo.root, "other", QUEUE_PROGRAM, {"encrypted": "true"})
    base = gate_repo.commit("two")
    gate_repo.write("policies/enforcement.yaml", "default: disabled\nchecks:\n  CKV_AWS_27: advisory\n")
    gate_repo.commit("relax")
    _, report = gate_repo.check_json("stacks", "--changed-since", base)
    assert {s["project"] for s in report["stacks"]} == {"queue", "other"}


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (lambda r: r.write("policies/enforcement.yaml", "default: sometimes\n"), "enforcement.yaml"),
        (
            lambda r: r.write("policies/waivers.yaml", "waivers:\n  - check: X\n    resource: y\n"),
            "waivers.yaml",
        ),
        (lambda r: r.write("stacks/bad/Pulumi.yaml", "name: [unclosed\n"), "Pulumi.yaml"),
    ],
)
def test_bad_config_is_one_line_exit_2(gate_repo: GateRepo, setup: Any, needle: str) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    setup(gate_repo)
    proc = gate_repo.check("stacks")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr


def test_usage_errors_exit_2(gate_repo: GateRepo) -> None:
    assert gate_repo.check("no-such-dir").returncode == 2
    assert gate_repo.check("stacks", "--format", "yaml").returncode == 2
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    gate_repo.commit("q")
    proc = gate_repo.check("stacks", "--changed-since", "no-such-rev")
    assert proc.returncode == 2 and "no-such-rev" in proc.stderr


SECRET_PROGRAM = """\
import pulumi
import pulumi_aws as aws

password = pulumi.Config().require_secret("dbPassword")
aws.ssm.Parameter("db-password", type="SecureString", value=password)
aws.sqs.Queue("orders", sqs_managed_sse_enabled=False)
pulumi.export("password", password)
"""


def test_secret_config_never_appears_in_any_report(gate_repo: GateRepo) -> None:
    path = write_project(gate_repo.root, "secretive", SECRET_PROGRAM)
    ciphertext = "v1:SuperSecretCipherText0123456789=="
    config = json.loads((path / "Pulumi.dev.yaml").read_text())
    config["config"]["secretive:dbPassword"] = {"secure": ciphertext}
    (path / "Pulumi.dev.yaml").write_text(json.dumps(config))
    gate_repo.commit("secret")
    for fmt in ("table", "json", "markdown", "sarif", "junit"):
        proc = gate_repo.check("stacks", "--format", fmt)
        assert proc.returncode in (0, 1), proc.stderr
        assert ciphertext not in proc.stdout + proc.stderr
        assert "SuperSecret" not in proc.stdout + proc.stderr


CLI_OUTPUT = Path(__file__).resolve().parents[1] / "compliance" / "programs" / "cli_output"


@pytest.mark.parametrize(
    ("flag", "name"), [("--from-preview", "preview.json"), ("--from-state", "state.json")]
)
def test_cli_outputs_are_checked_like_programs(gate_repo: GateRepo, flag: str, name: str) -> None:
    gate_repo.write(f"stacks/app/{name}", (CLI_OUTPUT / name).read_text())
    gate_repo.write("policies/enforcement.yaml", "default: mandatory\n")
    gate_repo.commit("cli output")
    code, report = gate_repo.check_json("stacks/app", flag, f"stacks/app/{name}")
    assert code == 1
    (stack,) = report["stacks"]
    assert stack["path"] == "stacks/app" and stack["resources"] >= 2
    failed = [f for f in stack["findings"] if f["result"] == "failed"]
    assert failed and all(f["file"] == "stacks/app/__main__.py" and f["line"] > 0 for f in failed)
    assert gate_repo.check(flag, "stacks/app/missing.json").returncode == 2


def test_machine_formats_point_at_the_python_line(gate_repo: GateRepo) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    sha = gate_repo.commit("queue")
    line = SSE_LINE

    sarif = json.loads(gate_repo.check("stacks", "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "CKV_AWS_27"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "stacks/queue/__main__.py"
    assert location["region"]["startLine"] == line
    assert result["properties"]["resource"] == "orders"
    assert result["properties"]["type"] == "aws:sqs/queue:Queue"

    base = f"https://github.com/acme/infra/blob/{sha}/"
    md = gate_repo.check("stacks", "--format", "markdown", "--link-base", base).stdout
    assert f"{base}stacks/queue/__main__.py#L{line}" in md
    assert "CKV_AWS_27" in md

    junit = ET.fromstring(gate_repo.check("stacks", "--format", "junit").stdout)
    failures = [tc for tc in junit.iter("testcase") if tc.find("failure") is not None]
    assert any("CKV_AWS_27" in (tc.get("name") or "") for tc in failures)

    out = gate_repo.root / "out" / "report.txt"
    proc = gate_repo.check("stacks", "--out", str(out))
    assert proc.returncode == 1 and "CKV_AWS_27" in out.read_text()


def test_region_outside_the_allow_list_fails_on_the_config_line(gate_repo: GateRepo) -> None:
    shutil.copytree(ROOT / "policies" / "checks", gate_repo.root / "policies" / "checks")
    shutil.copy(ROOT / "policies" / "config.yaml", gate_repo.root / "policies" / "config.yaml")
    gate_repo.write("policies/enforcement.yaml", "default: disabled\nchecks:\n  CKV_ORG_2: mandatory\n")
    path = write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    config = json.loads((path / "Pulumi.dev.yaml").read_text())
    config["config"]["aws:region"] = "ap-southeast-2"  # not in dev's allow-list
    (path / "Pulumi.dev.yaml").write_text(
        "config:\n" + "".join(f"  {k}: {v}\n" for k, v in config["config"].items())
    )
    gate_repo.commit("sydney")
    code, report = gate_repo.check_json("stacks")
    assert code == 1
    (finding,) = findings(report, "queue", "CKV_ORG_2")
    assert finding["result"] == "failed"
    assert finding["type"] == "pulumi:providers:aws"
    assert (finding["file"], finding["line"]) == ("stacks/queue/Pulumi.dev.yaml", 2)

    gate_repo.write("stacks/queue/Pulumi.dev.yaml", "config:\n  aws:region: eu-west-1\n")
    gate_repo.commit("ireland")
    code, report = gate_repo.check_json("stacks")
    assert code == 0 and findings(report, "queue", "CKV_ORG_2")[0]["result"] == "passed"


YAML_CHECK = """\
metadata:
  id: CKV2_ORG_100
  name: SQS queues are encrypted with a KMS key
  category: ENCRYPTION
definition:
  cond_type: attribute
  resource_types: [aws_sqs_queue]
  attribute: kms_master_key_id
  operator: exists
"""


def test_yaml_custom_checks_in_policies_run_and_broken_ones_fail_loudly(gate_repo: GateRepo) -> None:
    gate_repo.write("policies/checks/__init__.py", "")
    gate_repo.write("policies/checks/sqs_kms.yaml", YAML_CHECK)
    shutil.copy(ROOT / "policies" / "config.yaml", gate_repo.root / "policies" / "config.yaml")
    gate_repo.write("policies/enforcement.yaml", "default: disabled\nchecks:\n  CKV2_ORG_100: mandatory\n")
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    write_project(gate_repo.root, "safe", QUEUE_PROGRAM, {"encrypted": "true"})
    gate_repo.commit("yaml check")
    code, report = gate_repo.check_json("stacks")
    assert code == 1
    assert findings(report, "queue", "CKV2_ORG_100")[0]["result"] == "failed"
    assert findings(report, "safe", "CKV2_ORG_100")[0]["result"] == "passed"
    assert findings(report, "queue", "CKV2_ORG_100")[0]["line"] == queue_line("kms_master_key_id=")

    gate_repo.write(
        "policies/checks/sqs_kms.yaml", YAML_CHECK.replace("operator: exists", "operator: nonsense")
    )
    proc = gate_repo.check("stacks")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "invalid YAML check" in lines[0], proc.stderr
