"""A commit is evaluated and applied with that commit's shared components and the agent's venv."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from compliance.evaluate import evaluate_project
from gitops_agent.engines import PulumiEngine, pin_virtualenv


def checkout(root: Path, marker: str) -> Path:
    """An exported commit: stacks/platform_components (shadowing the installed one) and a project."""
    lib = root / "stacks" / "platform_components"
    lib.mkdir(parents=True)
    (lib / "__init__.py").write_text(f"QUEUE_NAME = {marker!r}\n")
    project = root / "stacks" / "app"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: app\nruntime:\n  name: python\n  options:\n    virtualenv: ../../.venv\n"
    )
    (project / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (project / "__main__.py").write_text(
        "import pulumi_aws as aws\nimport platform_components\n\n"
        "aws.sqs.Queue(platform_components.QUEUE_NAME)\n"
    )
    return project


def test_evaluation_uses_the_checkouts_components_not_the_installed_ones(tmp_path: Path) -> None:
    for marker in ("from-commit-a", "from-commit-b"):
        root = tmp_path / marker
        graph = evaluate_project(checkout(root, marker), "dev", repo_root=root, timeout=120)
        assert graph.error is None, graph.error
        assert [r.name for r in graph.resources if r.type == "aws:sqs/queue:Queue"] == [marker]


def test_pulumi_engine_runs_the_export_with_the_agents_venv_and_its_components(tmp_path: Path) -> None:
    project = checkout(tmp_path, "x")
    pin_virtualenv(project, Path(sys.prefix))
    settings = yaml.safe_load((project / "Pulumi.yaml").read_text())
    assert settings["name"] == "app"
    assert settings["runtime"] == {"name": "python", "options": {"virtualenv": sys.prefix}}

    engine = PulumiEngine(
        tmp_path / "state",
        "dev",
        automation=object(),
        environ={"PULUMI_CONFIG_PASSPHRASE": "p"},  # type: ignore[arg-type]
    )
    env = engine.workspace_env(project)
    assert env["PYTHONPATH"] == str((tmp_path / "stacks").resolve())
    assert "PULUMI_CONFIG_PASSPHRASE" not in env


def test_pin_virtualenv_leaves_other_runtimes_alone(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: js\nruntime: nodejs\n")
    pin_virtualenv(tmp_path, Path(sys.prefix))
    assert yaml.safe_load((tmp_path / "Pulumi.yaml").read_text()) == {"name": "js", "runtime": "nodejs"}
