"""Which interpreter a project's Pulumi.yaml names (compliance.environments), without installing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compliance.environments import (
    environment_spec,
    missing_environment,
    project_interpreter,
)
from compliance.errors import ConfigError


def fake_python(venv: Path) -> Path:
    """A file where a virtualenv's interpreter would be (existence is what is checked)."""
    python = venv / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    return python


def runtime(**options: str) -> dict[str, object]:
    return {"name": "app", "runtime": {"name": "python", "options": options}}


def test_plain_runtime_names_no_environment(tmp_path: Path) -> None:
    settings = {"name": "app", "runtime": "python"}
    assert environment_spec(tmp_path, settings) is None
    assert project_interpreter(tmp_path, settings) is None
    assert missing_environment(tmp_path, settings) is None


def test_pip_toolchain_without_virtualenv_uses_the_gate(tmp_path: Path) -> None:
    settings = runtime(toolchain="pip")
    assert environment_spec(tmp_path, settings) is None
    assert project_interpreter(tmp_path, settings) is None


def test_virtualenv_option_is_relative_to_the_project(tmp_path: Path) -> None:
    settings = runtime(virtualenv="venv")
    spec = environment_spec(tmp_path, settings)
    assert spec is not None and spec.path == tmp_path / "venv" and spec.configured
    assert project_interpreter(tmp_path, settings) is None
    python = fake_python(tmp_path / "venv")
    assert project_interpreter(tmp_path, settings) == python


def test_virtualenv_outside_the_project(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    python = fake_python(tmp_path / "shared-env")
    assert project_interpreter(tmp_path / "app", runtime(virtualenv="../shared-env")) == python


def test_uv_defaults_to_dot_venv_unless_virtualenv_says_otherwise(tmp_path: Path) -> None:
    dot = fake_python(tmp_path / ".venv")
    assert project_interpreter(tmp_path, runtime(toolchain="uv")) == dot
    assert project_interpreter(tmp_path, runtime(toolchain="uv", virtualenv="env")) is None
    other = fake_python(tmp_path / "env")
    assert project_interpreter(tmp_path, runtime(toolchain="uv", virtualenv="env")) == other


def test_poetry_uses_the_in_project_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-poetry-here"))
    settings = runtime(toolchain="poetry")
    assert project_interpreter(tmp_path, settings) is None
    python = fake_python(tmp_path / ".venv")
    assert project_interpreter(tmp_path, settings) == python


def test_poetry_asks_poetry_when_there_is_no_in_project_venv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "cache" / "app-py3.11"
    python = fake_python(elsewhere)
    tools = tmp_path / "tools"
    tools.mkdir()
    poetry = tools / "poetry"
    poetry.write_text(f'#!/bin/sh\n[ "$1 $2 $3" = "env info -p" ] && echo {elsewhere}\n')
    poetry.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    project = tmp_path / "app"
    project.mkdir()
    assert project_interpreter(project, runtime(toolchain="poetry")) == python


def test_missing_environment_says_what_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "stacks" / "api").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-poetry-here"))
    project = Path("stacks/api")
    message = missing_environment(project, runtime(virtualenv="venv"))
    assert message == (
        "stacks/api/Pulumi.yaml names virtualenv stacks/api/venv, but stacks/api/venv/bin/python "
        "does not exist; run `gitops install stacks/api`"
    )
    message = missing_environment(project, runtime(toolchain="poetry"))
    assert message is not None and "toolchain poetry (environment stacks/api/.venv)" in message
    fake_python(tmp_path / "stacks" / "api" / ".venv")
    assert missing_environment(project, runtime(toolchain="poetry")) is None


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        (runtime(toolchain="conda"), "toolchain 'conda' is not one of pip, uv, poetry"),
        ({"name": "app", "runtime": {"name": "python", "options": {"virtualenv": 3}}}, "virtualenv"),
        ({"name": "app", "runtime": {"options": {}}}, "'runtime' has no 'name'"),
        ({"name": "app", "runtime": {"name": "python", "options": ["x"]}}, "must be a mapping"),
    ],
)
def test_bad_runtime_sections_name_the_file(
    tmp_path: Path, settings: dict[str, object], fragment: str
) -> None:
    with pytest.raises(ConfigError) as err:
        environment_spec(tmp_path, settings)
    assert str(err.value).startswith(f"{tmp_path / 'Pulumi.yaml'}: ")
    assert fragment in str(err.value)


def test_other_or_missing_runtimes_name_no_python_environment(tmp_path: Path) -> None:
    assert environment_spec(tmp_path, {"name": "web"}) is None
    assert environment_spec(tmp_path, {"name": "web", "runtime": "nodejs"}) is None
    assert environment_spec(tmp_path, {"name": "web", "runtime": {"name": "yaml"}}) is None
