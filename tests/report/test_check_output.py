"""`gitops check` output end to end: the verdict on stderr when the report goes elsewhere, the table
on a terminal (no stray escape lines), waived findings, expired and stale waivers."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gate"))
from gate_repo import GITOPS, QUEUE_PROGRAM, ROOT, GateRepo, write_project

pytestmark = pytest.mark.slow

ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])")


@pytest.fixture
def repo(tmp_path: Path) -> GateRepo:
    gate = GateRepo(tmp_path)
    write_project(gate.root, "queue", QUEUE_PROGRAM)
    gate.commit("queue")
    return gate


def test_json_to_stdout_and_the_verdict_to_stderr(repo: GateRepo) -> None:
    proc = repo.check("stacks", "--format", "json")
    assert proc.returncode == 1
    json.loads(proc.stdout)  # stdout is the document alone
    [verdict] = [line for line in proc.stderr.splitlines() if line.startswith("verdict:")]
    assert verdict.startswith("verdict: failed: mandatory findings failed (1 stack, 1 failed, 0 advisory")


def test_out_file_prints_the_verdict(repo: GateRepo) -> None:
    out = repo.root / "report.sarif"
    proc = repo.check("stacks", "--format", "sarif", "--out", str(out))
    assert proc.returncode == 1 and proc.stdout == ""
    assert "verdict: failed: mandatory findings failed" in proc.stderr
    assert json.loads(out.read_text())["runs"][0]["tool"]["driver"]["version"]


def test_waived_expired_and_stale_waivers_in_the_table(repo: GateRepo) -> None:
    repo.write(
        "policies/waivers.yaml",
        "waivers:\n"
        "  - {check: CKV_AWS_27, resource: orders, reason: KMS key lands in JIRA-9, owner: team-q,"
        " expires: 2099-01-31}\n"
        "  - {check: CKV_AWS_26, resource: order, reason: typo, owner: team-q, expires: 2099-01-31}\n"
        "  - {check: CKV_AWS_27, resource: legacy, reason: old, owner: team-old, expires: 2020-01-31}\n",
    )
    repo.commit("waivers")
    proc = repo.check("stacks")
    flat = " ".join(proc.stdout.split())
    assert proc.returncode == 1, proc.stderr
    assert "waived CKV_AWS_27 orders" in flat or "waived │ CKV_AWS_27" in flat
    assert "waived by team-q until 2099-01-31: KMS key lands in JIRA-9" in flat
    assert "expired waiver CKV_AWS_27 on legacy: owner team-old, expires 2020-01-31" in flat
    assert "stale waiver (matches no finding): CKV_AWS_26 on order: owner team-q" in flat
    assert "did you mean orders?" in flat
    assert "verdict: failed: 1 expired waiver (1 stack, no failed finding, 0 advisory, 1 waived" in flat


def run_on_a_terminal(args: list[str], cwd: Path) -> str:
    """Run with stdout and stderr on a pseudo-terminal (as a person would); everything it wrote."""
    main, child = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120", "TERM": "xterm-256color"}
    proc = subprocess.Popen(args, cwd=cwd, stdin=child, stdout=child, stderr=child, env=env)
    os.close(child)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([main], [], [], 600)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(main)
    return b"".join(chunks).decode("utf-8", "replace")


def test_interactive_table_ends_with_the_verdict(repo: GateRepo) -> None:
    raw = run_on_a_terminal([*GITOPS, "check", "stacks"], repo.root)
    visible = [line.strip() for line in ANSI.sub("", raw).replace("\r", "\n").splitlines() if line.strip()]
    assert visible[-1].startswith("verdict: failed") or visible[-2].startswith("verdict: failed"), visible[
        -5:
    ]
    assert not any("[0m" in line or line == "0m" for line in visible), visible[-5:]
