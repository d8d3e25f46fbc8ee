"""A program process started before the gate knows the program (compliance.evaluation.starter)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from compliance.evaluate import evaluate_project
from compliance.evaluation.starter import early_start

PROGRAM = """\
import os
from pathlib import Path

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
environ = Path("/proc/self/environ").read_bytes().split(b"\\0")
pulumi.export("pid", os.getpid())
pulumi.export("token_in_environ", any(b"s3cr3t-t0ken" in entry for entry in environ))
pulumi.export("token_length", len(config.require("token")))
aws.sqs.Queue("jobs", name=config.require("queue"))
"""


def project(root: Path, name: str) -> Path:
    """A project that exports its pid and whether its secret config shows in its environment block."""
    path = root / name
    path.mkdir(parents=True)
    (path / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (path / "Pulumi.dev.yaml").write_text(
        textwrap.dedent(f"""\
            config:
              {name}:queue: {name}-jobs
              {name}:token: s3cr3t-t0ken
            """)
    )
    (path / "__main__.py").write_text(PROGRAM)
    return path


def test_the_first_program_under_the_root_runs_in_the_early_process(tmp_path: Path) -> None:
    first, second = project(tmp_path, "first"), project(tmp_path, "second")
    with early_start(tmp_path, "off") as early:
        waiting = early.waiting
        assert waiting is not None and waiting.process.poll() is None  # started, waiting for a request
        graph = evaluate_project(first, "dev", repo_root=tmp_path, sandbox="off", early=early)
        assert graph.error is None, graph.error
        assert graph.outputs["pid"] == waiting.process.pid
        assert early.waiting is None  # taken: the next program starts its own process
        assert waiting.process.returncode is not None and not waiting.tmp.exists()
        other = evaluate_project(second, "dev", repo_root=tmp_path, sandbox="off", early=early)
    assert other.error is None and other.outputs["pid"] != waiting.process.pid
    for g, name in ((graph, "first"), (other, "second")):
        assert [r.inputs["name"] for r in g.resources if r.type == "aws:sqs/queue:Queue"] == [f"{name}-jobs"]
        # config came with the request: the program reads it, its environment block never held it
        assert g.outputs["token_length"] == len("s3cr3t-t0ken") and g.outputs["token_in_environ"] is False


def test_a_program_it_does_not_fit_starts_its_own_and_the_early_one_is_killed(tmp_path: Path) -> None:
    elsewhere = project(tmp_path / "elsewhere", "outside")
    root = tmp_path / "repo"
    root.mkdir()
    with early_start(root, "off") as early:
        waiting = early.waiting
        assert waiting is not None
        # outside the root it was started for, and a different sandbox mode: not taken
        graph = evaluate_project(elsewhere, "dev", repo_root=tmp_path, sandbox="off", early=early)
        assert graph.error is None and graph.outputs["pid"] != waiting.process.pid
        assert early.waiting is waiting
        assert early.take(waiting.interpreter, "auto", [root]) is None
        assert waiting.process.poll() is None
    assert waiting.process.returncode is not None  # killed with the command
    assert not waiting.tmp.exists()


def test_no_root_no_early_process(tmp_path: Path) -> None:
    with early_start(None, "off") as early:
        assert early.waiting is None
