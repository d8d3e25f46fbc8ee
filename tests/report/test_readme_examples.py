"""The numbers in README.md's `gitops check` examples are the numbers a real run produces.

Runs the gate over the reference stacks (prod), and over a copy of them where a pull request raises
`orders-api` to 4096 MB (the README's PR-comment example), and compares every count the README
states: stack lines, the verdict line, the Markdown stacks tables, "Passed checks (N)" and the
JSON summary.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import git
import pytest

from compliance import report as r
from compliance.model import Report

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
GITOPS = [sys.executable, "-m", "gitops_agent.cli", "check"]
STACK_LINE = re.compile(r"^(\w+) \(prod, stacks/\w+\): .*$", re.M)
PR_EXAMPLE_START = "Here is the comment for a pull request that raised `orders-api` to 4096 MB"


def gate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    return subprocess.run([*GITOPS, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Report:
    out = tmp_path_factory.mktemp("readme") / "prod.json"
    proc = gate(ROOT, "stacks", "--env", "prod", "--format", "json", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return Report.model_validate_json(out.read_text())


@pytest.fixture(scope="module")
def pr_comment(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Markdown of the README's PR example: orders-api raised to 4096 MB, changed since HEAD~1."""
    repo_dir = tmp_path_factory.mktemp("pr-example")
    for part in ("stacks", "policies"):
        shutil.copytree(ROOT / part, repo_dir / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    repo = git.Repo.init(repo_dir, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Test")
        cw.set_value("user", "email", "test@example.com")
    repo.git.add(A=True)
    repo.index.commit("base")
    program = repo_dir / "stacks/serverless/__main__.py"
    source = program.read_text()
    assert '    handler="orders_api.handler",\n' in source
    program.write_text(
        source.replace(
            '    handler="orders_api.handler",\n',
            '    handler="orders_api.handler",\n    memory_size=4096,\n',
        )
    )
    repo.git.add(A=True)
    repo.index.commit("orders-api: 4096 MB")
    proc = gate(repo_dir, "stacks", "--env", "prod", "--changed-since", "HEAD~1", "--format", "markdown")
    assert proc.returncode == 1, proc.stderr
    return proc.stdout


def counts_line(report: Report, project: str) -> str:
    stack = next(s for s in report.stacks if s.project == project)
    c = {"failed": 0, "advisory_failed": 0, "waived": 0, "passed": 0}
    for f in stack.findings:
        key = "advisory_failed" if f.result == "failed" and f.level == "advisory" else f.result
        c[key] = c.get(key, 0) + 1
    return (
        f"{stack.resources} resources, {c['failed']} failed, {c['advisory_failed']} advisory, "
        f"{c['waived']} waived, {c['passed']} passed"
    )


def stack_rows(markdown: str) -> dict[str, str]:
    """Stack name -> its row of the `### Stacks` table (counts and status)."""
    rows = {}
    for line in markdown.splitlines():
        m = re.match(r"^\| (\w+) \| prod \| `stacks/\w+` \|(.*)$", line)
        if m:
            rows[m.group(1)] = m.group(2).strip()
    return rows


def test_readme_table_example_matches_a_real_run(prod: Report) -> None:
    stated = STACK_LINE.findall(README)
    assert {"database", "serverless", "edge"} <= set(stated)
    for match in STACK_LINE.finditer(README):
        assert counts_line(prod, match.group(1)) in match.group(0), match.group(0)
    verdicts = re.findall(r"^verdict: .*$", README, re.M)
    assert verdicts and all(v == r.verdict_line(prod) for v in verdicts), (verdicts, r.verdict_line(prod))


def test_readme_json_example_matches_a_real_run(prod: Report) -> None:
    block = README[README.index("**json**") :]
    block = block[: block.index("```\n\n")]
    s = prod.summary
    expected = (
        f'"summary": {{"stacks": {s["stacks"]}, "resources": {s["resources"]}, "passed": {s["passed"]}, '
        f'"failed": {s["failed"]}, "advisory_failed": {s["advisory_failed"]},'
    )
    assert expected in block
    edge = next(st for st in prod.stacks if st.project == "edge")
    assert f'"path": "stacks/edge", "env": "prod", "resources": {edge.resources}' in block


def test_readme_markdown_example_matches_a_real_run(prod: Report) -> None:
    block = README[README.index("**markdown**") : README.index("**sarif**")]
    real = stack_rows(r.render_markdown(prod))
    stated = stack_rows(block)
    assert stated and all(real[name] == row for name, row in stated.items()), (stated, real)
    passed = sum(1 for s in prod.stacks for f in s.findings if f.result == "passed")
    for n in re.findall(r"Passed checks \((\d+)\)", block):
        assert int(n) == passed


def test_readme_pr_comment_example_matches_a_real_run(pr_comment: str) -> None:
    block = README[README.index(PR_EXAMPLE_START) :]
    block = block[: block.index("```\n\n")]
    stated = stack_rows(block)
    assert set(stated) == {"serverless", "edge"}
    assert stated == stack_rows(pr_comment)
    verdict = next(line for line in pr_comment.splitlines() if line.startswith("❌"))
    assert verdict in block
    for n in re.findall(r"Passed checks \((\d+)\)", block):
        assert f"Passed checks ({n})" in pr_comment
    rows = [line for line in block.splitlines() if line.startswith("| 🔴") or line.startswith("| 🟡")]
    for row in rows:
        check, resource = row.split(" | ")[1:3]
        assert check in pr_comment and resource in pr_comment, row
