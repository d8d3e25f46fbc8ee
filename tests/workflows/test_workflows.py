"""The GitHub workflows: actionlint and Checkov clean, and the security properties we rely on."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from script_loader import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = Path(sys.executable).parent / "actionlint"
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")
WRITE_ALLOWED = {"id-token", "security-events", "pull-requests"}

CHECKOV_SCRIPT = """
import json, os, sys
os.environ.update({"BC_SKIP_MAPPING": "TRUE", "SKIP_MAPPING": "TRUE", "LOG_LEVEL": "ERROR",
                   "CKV_IGNORE_HIDDEN_DIRECTORIES": "FALSE"})
from checkov.github_actions.runner import Runner
from checkov.runner_filter import RunnerFilter
report = Runner().run(root_folder=None, files=sys.argv[1:],
                      runner_filter=RunnerFilter(framework=["github_actions"]))
print(json.dumps({"passed": sorted({c.check_id for c in report.passed_checks}),
                  "failed": [[c.check_id, c.file_path] for c in report.failed_checks]}))
"""


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(data, dict)
    if True in data:  # YAML 1.1 reads the `on` key as a boolean
        data["on"] = data.pop(True)
    return data


def _all() -> dict[str, dict[str, Any]]:
    return {p.name: _load(p.name) for p in sorted(WORKFLOWS.glob("*.yml"))}


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _checkov(files: list[Path]) -> dict[str, Any]:
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE")
    done = subprocess.run(
        [sys.executable, "-c", CHECKOV_SCRIPT, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_five_workflows_exist() -> None:
    assert set(_all()) == {"pr.yml", "deploy.yml", "drift.yml", "e2e.yml", "tests.yml"}


# ------------------------------------------------------------------------------------ linters


def test_actionlint_is_clean() -> None:
    done = subprocess.run(
        [str(ACTIONLINT), *map(str, sorted(WORKFLOWS.glob("*.yml")))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n"
    )
    done = subprocess.run([str(ACTIONLINT), str(bad)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0


@pytest.mark.slow
def test_checkov_github_actions_checks_pass_and_catch_a_bad_workflow(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    bad = tmp_path / ".github" / "workflows" / "bad.yml"  # Checkov only reads workflows there
    bad.write_text(
        "on: pull_request\npermissions: write-all\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
    )
    ours = sorted(WORKFLOWS.glob("*.yml"))
    result = _checkov([*ours, bad])
    failed_ours = [(c, f) for c, f in result["failed"] if not f.endswith("bad.yml")]
    assert failed_ours == []
    assert {"CKV2_GHA_1", "CKV_GHA_2", "CKV_GHA_3", "CKV_GHA_7"} <= set(result["passed"])
    assert {c for c, f in result["failed"] if f.endswith("bad.yml")} >= {"CKV_GHA_2", "CKV2_GHA_1"}


# ----------------------------------------------------------------------------- least privilege


def test_never_pull_request_target() -> None:
    for name, wf in _all().items():
        triggers = wf["on"] if isinstance(wf["on"], dict | list) else [wf["on"]]
        assert "pull_request_target" not in triggers, name
        assert "pull_request_target" not in (WORKFLOWS / name).read_text(), name


def test_top_level_permissions_are_empty_or_read() -> None:
    for name, wf in _all().items():
        assert "permissions" in wf, name
        assert wf["permissions"] in ({}, {"contents": "read"}), name


def test_jobs_widen_permissions_only_where_needed() -> None:
    granted: dict[tuple[str, str], set[str]] = {}
    for name, wf in _all().items():
        for job_id, job in wf["jobs"].items():
            perms = job.get("permissions")
            assert isinstance(perms, dict), f"{name}:{job_id} must declare its permissions"
            writes = {k for k, v in perms.items() if v == "write"}
            assert writes <= WRITE_ALLOWED, f"{name}:{job_id} {writes}"
            assert perms.get("contents", "read") == "read", f"{name}:{job_id}"
            granted[(name, job_id)] = writes
    with_security_events = {k for k, v in granted.items() if "security-events" in v}
    with_pr_write = {k for k, v in granted.items() if "pull-requests" in v}
    with_oidc = {k for k, v in granted.items() if "id-token" in v}
    assert with_security_events == {("pr.yml", "code-scanning")}
    assert with_pr_write == {("pr.yml", "comment")}
    assert with_oidc == {("pr.yml", "preview"), ("deploy.yml", "deploy"), ("drift.yml", "drift")}


def test_third_party_actions_are_pinned_to_a_sha_with_a_version_comment() -> None:
    seen = 0
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for line in path.read_text().splitlines():
            match = USES_LINE.match(line)
            if not match:
                continue
            ref, rest = match.groups()
            if ref.startswith(("./", "docker://")):
                continue
            seen += 1
            assert SHA_PIN.match(ref), f"{path.name}: {ref} is not pinned to a commit SHA"
            assert re.match(r"\s*#\s*v\d+(\.\d+)*", rest), f"{path.name}: {ref} has no version comment"
    assert seen >= 10
    for name, wf in _all().items():
        for step in _steps(wf):
            if "uses" in step:
                assert SHA_PIN.match(step["uses"]), f"{name}: {step['uses']}"


def test_checkouts_do_not_persist_credentials() -> None:
    for name, wf in _all().items():
        for step in _steps(wf):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, name


def test_no_expression_is_interpolated_into_run_scripts() -> None:
    """Untrusted text (PR titles, branch names...) and secrets reach scripts only through env."""
    for name, wf in _all().items():
        for step in _steps(wf):
            assert "${{" not in str(step.get("run", "")), f"{name}: {step.get('name')}"


def test_secrets_are_only_passed_through_env_or_with() -> None:
    for name, wf in _all().items():
        for step in _steps(wf):
            for key, value in step.items():
                if "secrets." in str(value):
                    assert key in ("env", "with"), f"{name}: {step.get('name')}"


# ----------------------------------------------------------------------------------- behaviour


def test_pr_runs_the_gate_on_changed_stacks_with_base_policies() -> None:
    wf = _load("pr.yml")
    assert set(wf["on"]) == {"pull_request"}
    check = wf["jobs"]["check"]
    gate = next(s for s in check["steps"] if s.get("id") == "gate")
    assert "gitops check" in gate["run"]
    assert '--changed-since "$BASE_SHA" --policies-from "$BASE_SHA"' in gate["run"]
    assert gate["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert "fetch-depth: 0" in (WORKFLOWS / "pr.yml").read_text()
    assert "make install" in [s.get("run") for s in check["steps"]]
    render = next(s for s in check["steps"] if "render_report.py" in str(s.get("run")))
    assert (
        "--sarif" in render["run"]
        and "--markdown" in render["run"]
        and "GITHUB_STEP_SUMMARY" in render["run"]
    )
    verdict = check["steps"][-1]
    assert 'exit "${GATE_EXIT:-2}"' in verdict["run"]  # the job fails at the end with the gate's code


def test_pr_uploads_sarif_and_keeps_one_sticky_comment() -> None:
    jobs = _load("pr.yml")["jobs"]
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    upload = [s for s in jobs["code-scanning"]["steps"] if "codeql-action/upload-sarif" in str(s.get("uses"))]
    assert upload and upload[0]["with"]["sarif_file"].endswith(".sarif")
    comment = jobs["comment"]
    assert same_repo in comment["if"] and "!cancelled()" in comment["if"]
    assert set(comment["needs"]) == {"check", "preview"}
    run = comment["steps"][-1]["run"]
    assert "scripts/pr_comment.py" in run and "preview.md" in run
    assert comment["steps"][-1]["env"]["GITHUB_TOKEN"] == "${{ github.token }}"
    preview = jobs["preview"]
    assert same_repo in preview["if"] and "vars.AWS_PREVIEW_ROLE_ARN" in preview["if"]
    uses = [str(s.get("uses")) for s in preview["steps"]]
    assert any(u.startswith("aws-actions/configure-aws-credentials@") for u in uses)
    assert any("get.pulumi.com" in str(s.get("run")) for s in preview["steps"])


def test_deploy_is_protected_and_serialized() -> None:
    wf = _load("deploy.yml")
    assert wf["on"]["push"]["branches"] == ["main"]
    assert wf["concurrency"]["cancel-in-progress"] is False
    job = wf["jobs"]["deploy"]
    assert job["environment"] == "production"
    run = next(s["run"] for s in job["steps"] if "gitops agent" in str(s.get("run")))
    for arg in ("--repo .", "--branch main", "--env prod", "--engine pulumi", "--once", "--state-dir"):
        assert arg in run
    assert '--backend-url "$PULUMI_BACKEND_URL"' in run
    env = next(s["env"] for s in job["steps"] if "gitops agent" in str(s.get("run")))
    assert env["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}"


def test_drift_is_scheduled_and_fails_on_drift() -> None:
    wf = _load("drift.yml")
    assert "schedule" in wf["on"] and "workflow_dispatch" in wf["on"]
    assert wf["concurrency"]["group"] == _load("deploy.yml")["concurrency"]["group"]
    step = next(s for s in wf["jobs"]["drift"]["steps"] if "gitops drift" in str(s.get("run")))
    assert "--env prod" in step["run"] and "GITHUB_STEP_SUMMARY" in step["run"]
    assert step["run"].rstrip().endswith('exit "$rc"')


def test_e2e_uses_a_pinned_localstack_and_the_marked_tests() -> None:
    job = _load("e2e.yml")["jobs"]["localstack"]
    image = job["services"]["localstack"]["image"]
    assert re.match(r"^localstack/localstack(:\d+\.\d+(\.\d+)?|@sha256:[0-9a-f]{64})$", image), image
    runs = "\n".join(str(s.get("run")) for s in job["steps"])
    assert "get.pulumi.com" in runs
    assert '-m "pulumi_cli and localstack"' in runs
    assert "tests/e2e" in runs and "tests/agent" in runs
    assert "scripts/require_executed.py e2e-junit.xml" in runs


def test_tests_workflow_runs_the_readme_command() -> None:
    wf = _load("tests.yml")
    assert {"push", "pull_request"} <= set(wf["on"])
    assert [s.get("run") for s in wf["jobs"]["test"]["steps"] if "run" in s] == ["make test"]
    assert "make test" in (ROOT / "README.md").read_text()


# ----------------------------------------------------------------------------------- trust model


def test_the_engine_preview_waits_for_an_approval_before_it_gets_secrets() -> None:
    """A branch pusher's code gets the passphrase and the preview role only through `preview`."""
    preview = _load("pr.yml")["jobs"]["preview"]
    assert preview["environment"] == "preview"
    text = (WORKFLOWS / "pr.yml").read_text()
    for name, job in _load("pr.yml")["jobs"].items():
        if name != "preview":
            assert "secrets." not in json.dumps(job), name
    assert "secrets.PULUMI_CONFIG_PASSPHRASE" in text


def test_the_localstack_token_is_never_given_to_pull_request_code() -> None:
    wf = _load("e2e.yml")
    token = wf["jobs"]["localstack"]["services"]["localstack"]["env"]["LOCALSTACK_AUTH_TOKEN"]
    assert token.startswith("${{ github.event_name != 'pull_request' && secrets.LOCALSTACK_AUTH_TOKEN")
    for step in _steps(wf):
        assert "LOCALSTACK_AUTH_TOKEN" not in json.dumps(step.get("env", {})), step.get("name")


def test_codeowners_cover_everything_that_decides_a_verdict_or_a_deploy() -> None:
    owned = {
        line.split()[0]
        for line in (ROOT / ".github" / "CODEOWNERS").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    required = {"/.github/", "/compliance/", "/gitops_agent/", "/policies/", "/scripts/", "/Makefile"}
    assert required | {"/pyproject.toml", "/uv.lock"} <= owned
