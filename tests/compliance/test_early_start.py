"""A program process started before the gate knows the program (compliance.evaluation.starter)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from compliance.evaluate import evaluate_project
from compliance.evaluation.starter import early_start
from compliance.sandbox import BubblewrapProbe, probe_bubblewrap

PROGRAM = """\
import os
from pathlib import Path

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
environ = Path("/proc/self/environ").read_bytes().split(b"\\0")
pulumi.export("home", os.environ["HOME"])
pulumi.export("token_in_environ", any(b"s3cr3t-t0ken" in entry for entry in environ))
pulumi.export("token_length", len(config.require("token")))
aws.sqs.Queue("jobs", name=config.require("queue"))
"""


@pytest.fixture(autouse=True)
def bubblewrap() -> None:
    """The early process exists only where bubblewrap confines programs."""
    found = probe_bubblewrap()
    if found.path is None:
        pytest.skip(f"bubblewrap cannot run here: {found.reason}")


def project(root: Path, name: str) -> Path:
    """A project that exports its home and whether its config shows in its environment block."""
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
    with early_start(tmp_path, "required") as early:
        waiting = early.waiting
        assert waiting is not None and waiting.process.poll() is None  # started, waiting for a request
        home = str(waiting.tmp / "home")
        graph = evaluate_project(first, "dev", repo_root=tmp_path, sandbox="required", early=early)
        assert graph.error is None, graph.error
        assert graph.outputs["home"] == home and graph.confinement == "bubblewrap"
        assert early.waiting is None  # taken: the next program starts its own process
        assert waiting.process.returncode is not None and not waiting.tmp.exists()
        other = evaluate_project(second, "dev", repo_root=tmp_path, sandbox="required", early=early)
    assert other.error is None and other.outputs["home"] != home
    for g, name in ((graph, "first"), (other, "second")):
        assert [r.inputs["name"] for r in g.resources if r.type == "aws:sqs/queue:Queue"] == [f"{name}-jobs"]
        # config came with the request: the program reads it, its environment block never held it
        assert g.outputs["token_length"] == len("s3cr3t-t0ken") and g.outputs["token_in_environ"] is False


def test_a_program_it_does_not_fit_starts_its_own_and_the_early_one_is_killed(tmp_path: Path) -> None:
    elsewhere = project(tmp_path / "elsewhere", "outside")
    root = tmp_path / "repo"
    root.mkdir()
    with early_start(root, "auto") as early:
        waiting = early.waiting
        assert waiting is not None
        # outside the root it was started for: not taken; nor by another sandbox mode
        graph = evaluate_project(elsewhere, "dev", repo_root=tmp_path, sandbox="auto", early=early)
        assert graph.error is None and graph.outputs["home"] != str(waiting.tmp / "home")
        assert early.waiting is waiting
        assert early.take(waiting.interpreter, "required", [root]) is None
        assert waiting.process.poll() is None
    assert waiting.process.returncode is not None  # killed with the command
    assert not waiting.tmp.exists()


def test_nothing_starts_early_without_bubblewrap_with_the_sandbox_off_or_without_a_root(
    tmp_path: Path,
) -> None:
    def missing() -> BubblewrapProbe:
        return BubblewrapProbe(None, "simulated: no bwrap")

    for root, mode, probe in (
        (tmp_path, "auto", missing),
        (tmp_path, "off", probe_bubblewrap),
        (None, "auto", probe_bubblewrap),
    ):
        with early_start(root, mode, probe) as early:  # type: ignore[arg-type]
            assert early.waiting is None
