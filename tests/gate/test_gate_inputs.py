"""`gitops check` on bad inputs, several projects, no policies/, hostile programs, keyword lines."""

from __future__ import annotations

import json
import shutil
import textwrap
from typing import Any

import pytest
from gate_repo import QUEUE_PROGRAM, ROOT, GateRepo, write_project

pytestmark = pytest.mark.slow


def stack_of(report: dict[str, Any], project: str) -> dict[str, Any]:
    return next(s for s in report["stacks"] if s["project"] == project)


def failed(report: dict[str, Any], project: str, check_id: str) -> list[dict[str, Any]]:
    return [
        f
        for f in stack_of(report, project)["findings"]
        if f["check_id"] == check_id and f["result"] == "failed"
    ]


# --- one broken project file is an error for that stack only ----------------------------------


@pytest.mark.parametrize(
    ("relpath", "text"),
    [("stacks/broken/Pulumi.yaml", "name: [unclosed\n"), ("stacks/broken/Pulumi.dev.yaml", "config: [x\n")],
)
def test_a_malformed_project_file_fails_its_stack_and_the_others_are_reported(
    gate_repo: GateRepo, relpath: str, text: str
) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    write_project(gate_repo.root, "broken", QUEUE_PROGRAM)
    gate_repo.write(relpath, text)
    gate_repo.commit("one broken file")
    code, report = gate_repo.check_json("stacks")
    assert code == 2
    assert failed(report, "queue", "CKV_AWS_27")
    broken = next(s for s in report["stacks"] if s["path"] == "stacks/broken")
    assert relpath.rsplit("/", 1)[1] in broken["error"] and "invalid YAML" in broken["error"]


# --- nothing to check ------------------------------------------------------------------------------


def test_a_path_without_any_project_is_exit_2(gate_repo: GateRepo) -> None:
    gate_repo.write("README.md", "# hello\n")
    (gate_repo.root / "empty").mkdir()
    for target in ("README.md", "empty"):
        proc = gate_repo.check(target)
        assert proc.returncode == 2, proc.stdout
        (line,) = proc.stderr.strip().splitlines()
        assert "no Pulumi project under" in line and target in line


# --- --out, --timeout, --jobs are checked before anything runs --------------------------------

MARKER_PROGRAM = """\
import pathlib
import pulumi
pathlib.Path(__file__).with_name("ran").write_text("yes")
"""


@pytest.mark.parametrize("out", ["outdir", "README.md/report.json"])
def test_an_unusable_out_path_is_exit_2_before_evaluation(gate_repo: GateRepo, out: str) -> None:
    path = write_project(gate_repo.root, "marker", MARKER_PROGRAM)
    gate_repo.write("README.md", "# hello\n")
    (gate_repo.root / "outdir").mkdir()
    proc = gate_repo.check("stacks", "--format", "json", "--out", out)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert "--out" in line and out in line
    assert "Traceback" not in proc.stderr
    assert not (path / "ran").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--timeout", "nan"],
        ["--timeout", "inf"],
        ["--timeout", "0"],
        ["--timeout", "-1"],
        ["--jobs", "0"],
        ["--jobs", "-1"],
    ],
)
def test_meaningless_numbers_are_refused_at_parse_time(gate_repo: GateRepo, args: list[str]) -> None:
    path = write_project(gate_repo.root, "marker", MARKER_PROGRAM)
    proc = gate_repo.check("stacks", *args)
    assert proc.returncode == 2
    assert args[0] in proc.stderr.strip().splitlines()[-1]
    assert "Traceback" not in proc.stderr and not (path / "ran").exists()


# --- several projects -----------------------------------------------------------------------------

CONSUMER = """\
import pulumi
import pulumi_aws as aws
ref = pulumi.StackReference(pulumi.Config().require("queueStack"))
aws.sqs.Queue("replies", kms_master_key_id="alias/r", sqs_managed_sse_enabled=False,
              tags={"source": ref.get_output("queue_arn")})
"""


def test_one_project_evaluates_the_sibling_its_reference_names(gate_repo: GateRepo) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    write_project(gate_repo.root, "consumer", CONSUMER, {"queueStack": "organization/queue/dev"})
    gate_repo.commit("two")
    code, report = gate_repo.check_json("stacks/consumer")
    assert code == 0, report
    assert [s["project"] for s in report["stacks"]] == ["consumer"]
    assert stack_of(report, "consumer")["error"] is None
    assert report["summary"]["evaluated_for_references"] == [{"project": "queue", "path": "stacks/queue"}]


def test_same_names_are_an_error_only_for_the_stack_whose_reference_is_ambiguous(gate_repo: GateRepo) -> None:
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    copy = gate_repo.root / "stacks" / "team-b" / "queue"
    shutil.copytree(gate_repo.root / "stacks" / "queue", copy)
    write_project(gate_repo.root, "consumer", CONSUMER, {"queueStack": "organization/queue/dev"})
    write_project(gate_repo.root, "other", QUEUE_PROGRAM, {"encrypted": "true"})
    gate_repo.commit("duplicates")
    code, report = gate_repo.check_json("stacks")
    assert code == 2
    consumer = stack_of(report, "consumer")
    assert "ambiguous" in consumer["error"]
    assert "stacks/queue/Pulumi.yaml" in consumer["error"] and "team-b/queue/Pulumi.yaml" in consumer["error"]
    queues = [s for s in report["stacks"] if s["project"] == "queue"]
    assert sorted(s["path"] for s in queues) == ["stacks/queue", "stacks/team-b/queue"]
    assert all(s["error"] is None and len(s["findings"]) >= 1 for s in queues)
    assert stack_of(report, "other")["error"] is None

    gate_repo.write("stacks/consumer/Pulumi.dev.yaml", '{"config": {"aws:region": "eu-west-1"}}')
    gate_repo.write("stacks/consumer/__main__.py", QUEUE_PROGRAM.replace("orders", "replies"))
    gate_repo.commit("no more reference")
    code, report = gate_repo.check_json("stacks")
    assert code == 1 and all(s["error"] is None for s in report["stacks"])


# --- no policies/ ----------------------------------------------------------------------------------


def test_without_policies_checkov_defaults_apply_and_no_framework_numbers(gate_repo: GateRepo) -> None:
    shutil.rmtree(gate_repo.root / "policies")
    write_project(gate_repo.root, "queue", QUEUE_PROGRAM)
    gate_repo.commit("no policies")
    code, report = gate_repo.check_json("stacks")
    assert code == 1
    assert report["summary"]["policies"]["source"] == "defaults"
    assert report["summary"]["frameworks"] == {}
    stack = stack_of(report, "queue")
    assert all(f["level"] == "mandatory" and f["controls"] == [] for f in stack["findings"])
    assert failed(report, "queue", "CKV_AWS_27")


# --- a hostile program cannot change the policies that judge it ----------------------------------

HOSTILE = """\
import glob
import os
import pathlib
import tempfile
import pulumi
import pulumi_aws as aws

relaxed = "default: disabled\\n"
root = pathlib.Path(__file__).resolve().parents[2]
targets = [root / "policies" / "enforcement.yaml"]
targets += glob.glob(os.path.join(tempfile.gettempdir(), "gitops-policies-*", "policies", "enforcement.yaml"))
for target in targets:
    try:  # keep going where the sandbox refuses: the queue must still be registered
        pathlib.Path(target).write_text(relaxed)
    except OSError:
        pass
aws.sqs.Queue("orders", sqs_managed_sse_enabled=False)
"""


@pytest.mark.parametrize("policies_from", [None, "main"])
@pytest.mark.parametrize("sandbox", ["off", "auto"])
def test_a_program_rewriting_the_policies_changes_nothing(
    gate_repo: GateRepo, policies_from: str | None, sandbox: str
) -> None:
    """Without confinement the program does rewrite the files, and the frozen policies still judge
    it; confined (bubblewrap, where it runs) it cannot even write them."""
    write_project(gate_repo.root, "hostile", HOSTILE)
    gate_repo.commit("hostile")
    enforcement = (gate_repo.root / "policies" / "enforcement.yaml").read_bytes()
    args = ["stacks", "--sandbox", sandbox] + (["--policies-from", policies_from] if policies_from else [])
    code, report = gate_repo.check_json(*args)
    after = (gate_repo.root / "policies" / "enforcement.yaml").read_bytes()
    if sandbox == "off":
        assert after == b"default: disabled\n"  # it ran, unconfined
    elif stack_of(report, "hostile")["confinement"] == "bubblewrap":
        assert after == enforcement  # the repository is read-only inside the sandbox
    assert code == 1, report
    assert failed(report, "hostile", "CKV_AWS_27")
    assert report["summary"]["policies"]["source"] == (policies_from or "worktree")
    assert report["summary"]["policies"]["digest"].startswith("sha256:")
    # the digest is that of the policies as they were before the program ran
    (gate_repo.root / "policies" / "enforcement.yaml").write_bytes(enforcement)
    gate_repo.write("stacks/hostile/__main__.py", HOSTILE.split("relaxed =")[0] + QUEUE_PROGRAM)
    _, clean = gate_repo.check_json(*args)
    assert clean["summary"]["policies"]["digest"] == report["summary"]["policies"]["digest"]


# --- keyword lines through a component ----------------------------------------------------------

COMPONENT = """\
import pulumi
import pulumi_aws as aws


class SecureFunction(pulumi.ComponentResource):
    def __init__(self, name, *, memory_size=128, opts=None):
        super().__init__("acme:index:SecureFunction", name, None, opts)
        aws.lambda_.Function(
            f"{name}-fn",
            role="arn:aws:iam::123456789012:role/reports",
            runtime="python3.12",
            handler="index.handler",
            s3_bucket="artifacts",
            s3_key="reports.zip",
            memory_size=memory_size,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})
"""

COMPONENT_USER = """\
import pulumi
from acme_components import SecureFunction

SecureFunction(
    "reports",
    memory_size=4096,
)
"""


def test_our_policy_through_a_component_points_at_the_keyword(gate_repo: GateRepo) -> None:
    shutil.copytree(ROOT / "policies" / "checks", gate_repo.root / "policies" / "checks")
    shutil.copy(ROOT / "policies" / "config.yaml", gate_repo.root / "policies" / "config.yaml")
    gate_repo.write("policies/enforcement.yaml", "default: disabled\nchecks:\n  CKV_ORG_11: mandatory\n")
    gate_repo.write("stacks/acme_components/__init__.py", COMPONENT)
    write_project(gate_repo.root, "reports", COMPONENT_USER)
    gate_repo.commit("component")
    code, report = gate_repo.check_json("stacks")
    assert code == 1, report
    (finding,) = failed(report, "reports", "CKV_ORG_11")
    lines = textwrap.dedent(COMPONENT_USER).splitlines()
    assert finding["file"] == "stacks/reports/__main__.py"
    assert lines[finding["line"] - 1].strip() == "memory_size=4096,"
    assert lines[finding["call_line"] - 1].startswith("SecureFunction(")
    sarif = gate_repo.root / "report.sarif"
    gate_repo.check("stacks", "--format", "sarif", "--out", str(sarif))
    regions = [
        loc["physicalLocation"]["region"]["startLine"]
        for run in json.loads(sarif.read_text())["runs"]
        for result in run["results"]
        if result["ruleId"] == "CKV_ORG_11"
        for loc in result["locations"]
    ]
    assert regions == [finding["line"]]
