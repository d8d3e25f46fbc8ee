"""--policies-from: policies read from a Git revision on real temporary repositories, and the loader
making sure the revision's checks (not the working tree's) are what Checkov runs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import git
import pytest
from policy_planning import CHECKS_DIR, plan, scan_plan

from policies.context import set_env
from policies.errors import PolicyConfigError
from policies.loader import load_checks, registered_external_checks
from policies.source import materialize_policies, policies_differ
from policies.waivers import load_waivers

REPO_POLICIES = CHECKS_DIR.parent


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    """A repo whose first commit (tag `base`) holds a copy of our policies/."""
    root = tmp_path / "repo"
    shutil.copytree(REPO_POLICIES, root / "policies", ignore=shutil.ignore_patterns("__pycache__"))
    (root / ".gitignore").write_text("__pycache__/\n")
    (root / "README.md").write_text("app\n")
    r = git.Repo.init(root)
    r.git.add(A=True)
    r.index.commit("base", author=git.Actor("t", "t@example.com"), committer=git.Actor("t", "t@example.com"))
    r.create_tag("base")
    yield root
    load_checks(CHECKS_DIR)  # leave the session's checks as they were


def weaken(root: Path) -> None:
    """What a PR might try: make checks pass, raise caps, waive its own violation."""
    checks = root / "policies" / "checks"
    memory = checks / "lambda_memory_cap.py"
    memory.write_text(memory.read_text().replace("return s.FAILED", "return s.PASSED"))
    support = checks / "orgpolicy_support.py"
    support.write_text(support.read_text().replace('return "alias/aws/" not in value', "return True"))
    (checks / "extra_noop.py").write_text("# new file\n")
    config = root / "policies" / "config.yaml"
    config.write_text(config.read_text().replace("lambda_max_memory_mb: 512", "lambda_max_memory_mb: 10240"))
    (root / "policies" / "waivers.yaml").write_text(
        "waivers:\n  - {check: CKV_ORG_11, resource: '*', reason: mine, owner: me, expires: 2099-01-01}\n"
    )


def lambda_and_queue() -> dict[str, object]:
    return plan(
        {
            "aws_lambda_function.fn": {"memory_size": 4096, "architectures": ["arm64"]},
            "aws_sqs_queue.q": {"kms_master_key_id": "alias/aws/sqs"},
        }
    )


def test_policies_differ_lists_changed_added_and_untracked(repo: Path) -> None:
    assert policies_differ(repo, "base") == []
    weaken(repo)
    assert policies_differ(repo, "base") == [
        "policies/checks/extra_noop.py",
        "policies/checks/lambda_memory_cap.py",
        "policies/checks/orgpolicy_support.py",
        "policies/config.yaml",
        "policies/waivers.yaml",
    ]


def test_materialize_writes_the_revision_tree(repo: Path, tmp_path: Path) -> None:
    weaken(repo)
    out = materialize_policies(repo, "base", tmp_path / "dest")
    assert out == tmp_path / "dest" / "policies"
    assert (out / "checks" / "lambda_memory_cap.py").read_text() == (
        CHECKS_DIR / "lambda_memory_cap.py"
    ).read_text()
    assert not (out / "checks" / "extra_noop.py").exists()
    # The base revision's waivers (the shipped ones), not the self-waiver the "PR" added.
    assert load_waivers(out) == load_waivers(REPO_POLICIES)
    assert load_waivers(out) != load_waivers(repo / "policies")


def test_revision_checks_run_even_after_the_working_tree_was_loaded(repo: Path, tmp_path: Path) -> None:
    set_env("dev")
    weaken(repo)
    weak = load_checks(repo / "policies" / "checks")
    got = scan_plan(tmp_path, lambda_and_queue(), ["CKV_ORG_11", "CKV_ORG_4"])
    assert got == {"CKV_ORG_11 aws_lambda_function.fn": "PASSED", "CKV_ORG_4 aws_sqs_queue.q": "PASSED"}

    base = materialize_policies(repo, "base", tmp_path / "base")
    assert load_checks(base / "checks") == weak  # same ids ...
    files = registered_external_checks()
    assert all(Path(f).parent == (base / "checks").resolve() for f in files.values())  # ... from REV's files
    got = scan_plan(tmp_path, lambda_and_queue(), ["CKV_ORG_11", "CKV_ORG_4"])
    assert got == {"CKV_ORG_11 aws_lambda_function.fn": "FAILED", "CKV_ORG_4 aws_sqs_queue.q": "FAILED"}
    set_env(None)


def test_broken_check_file_is_a_config_error(tmp_path: Path) -> None:
    checks = tmp_path / "policies" / "checks"
    shutil.copytree(CHECKS_DIR, checks, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_POLICIES / "config.yaml", tmp_path / "policies" / "config.yaml")
    (checks / "broken.py").write_text("raise RuntimeError('boom')\n")
    try:
        with pytest.raises(PolicyConfigError, match=r"broken.py: failed to load \(RuntimeError: boom\)"):
            load_checks(checks)
    finally:
        load_checks(CHECKS_DIR)


def test_bad_config_is_a_config_error_before_any_scan(tmp_path: Path) -> None:
    checks = tmp_path / "policies" / "checks"
    shutil.copytree(CHECKS_DIR, checks, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "policies" / "config.yaml").write_text("required_tags: [owner]\n")
    try:
        with pytest.raises(PolicyConfigError, match=r"config.yaml: log_retention: Field required"):
            load_checks(checks)
    finally:
        load_checks(CHECKS_DIR)


def test_unknown_revision_and_missing_policies(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(PolicyConfigError, match="unknown revision 'nope'"):
        materialize_policies(repo, "nope", tmp_path / "x")
    with pytest.raises(PolicyConfigError, match="unknown revision"):
        policies_differ(repo, "nope")
    r = git.Repo(repo)
    r.git.rm("-r", "-q", "policies")
    r.index.commit("drop policies")
    with pytest.raises(PolicyConfigError, match="has no policies/ directory"):
        materialize_policies(repo, "HEAD", tmp_path / "y")
    with pytest.raises(PolicyConfigError, match="not a git repository"):
        policies_differ(tmp_path / "y", "HEAD")


def test_checkov_native_loader_after_ours_keeps_the_later_directory(repo: Path, tmp_path: Path) -> None:
    # If the scan also hands a checks dir to Checkov's own loader, that later load replaces same-id
    # checks instead of Checkov's default "first registered wins".
    from checkov.terraform.checks.resource.registry import resource_registry

    set_env("dev")
    weaken(repo)
    load_checks(repo / "policies" / "checks")
    base = materialize_policies(repo, "base", tmp_path / "base")
    resource_registry.load_external_checks(str(base / "checks"))
    got = scan_plan(tmp_path, lambda_and_queue(), ["CKV_ORG_11", "CKV_ORG_4"])
    # CKV_ORG_4's file is unchanged; only the working tree's helper module was weakened.
    assert got == {"CKV_ORG_11 aws_lambda_function.fn": "FAILED", "CKV_ORG_4 aws_sqs_queue.q": "FAILED"}
    set_env(None)


def test_load_sibling_imports_the_helper_next_to_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    from policies.sibling import load_sibling

    stale = types.ModuleType("orgpolicy_support")
    stale.VALUE = "working tree"  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "orgpolicy_support", stale)
    for name, value in (("rev", "rev"), ("other", "other")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "orgpolicy_support.py").write_text(f"VALUE = {value!r}\n")
    assert load_sibling(str(tmp_path / "rev" / "check.py"), "orgpolicy_support").VALUE == "rev"
    assert load_sibling(str(tmp_path / "other" / "check.py"), "orgpolicy_support").VALUE == "other"
    # Same path, new content (the agent checks out a new commit in place): the new content is used.
    (tmp_path / "rev" / "orgpolicy_support.py").write_text("VALUE = 'next commit'\n")
    assert load_sibling(str(tmp_path / "rev" / "check.py"), "orgpolicy_support").VALUE == "next commit"


@pytest.mark.slow
def test_gate_with_policies_from_ignores_the_prs_weakened_check_and_waiver(repo: Path) -> None:
    from compliance.evaluate import evaluate_project
    from compliance.gate import check_with_policies

    graph = evaluate_project(
        Path(__file__).parent / "programs" / "noncompliant", "dev", repo_root=REPO_POLICIES.parent
    )
    assert graph.error is None
    weaken(repo)
    load_checks(repo / "policies" / "checks")  # the working tree's checks were loaded first

    def memory_finding(policies_from: str | None) -> tuple[str, dict[str, str] | None, dict[str, object]]:
        report = check_with_policies([graph], "dev", repo_root=repo, policies_from=policies_from)
        [finding] = [f for f in report.stacks[0].findings if f.check_id == "CKV_ORG_11"]
        return finding.result, finding.waiver, report.summary["policies"]

    result, waiver, source = memory_finding("base")
    assert (result, waiver) == ("failed", None)
    assert source["source"] == "base"
    assert "policies/waivers.yaml" in source["differs"]  # type: ignore[operator]

    result, waiver, _ = memory_finding(None)  # judged by the PR's own policies: weakened check passes
    assert result == "passed"
