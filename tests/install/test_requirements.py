"""What gitops install installs: requirements.txt, PEP 621, Poetry tables translated, poetry.lock pins."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.errors import ConfigError
from compliance.installer import uv_error_line
from compliance.project_requirements import (
    UnsupportedDependencyError,
    install_source,
    poetry_constraint,
)


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^1", ">=1,<2"),
        ("^0.0", ">=0.0,<0.1"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1.2", ">=1.2,<1.3"),
        ("~1", ">=1,<2"),
        ("*", ""),
        ("3.272.0", "==3.272.0"),
        ("6.*", "==6.*"),
        (">= 6.0, < 8", ">=6.0,<8"),
        (">=6.0 <8.0", ">=6.0,<8.0"),
        ("~=3.9", "~=3.9"),
        ("^3.0.0b2", ">=3.0.0b2,<4.0.0"),
    ],
)
def test_poetry_constraints(poetry: str, pep440: str) -> None:
    assert poetry_constraint(poetry) == pep440


@pytest.mark.parametrize("text", ["^1 || ^2", "latest", "^x.y"])
def test_untranslatable_constraints(text: str) -> None:
    with pytest.raises(ValueError):
        poetry_constraint(text)


POETRY_PYPROJECT = """\
[tool.poetry]
name = "network"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.11"
pulumi = ">=3.0.0,<4.0.0"
pulumi-aws = "^6.5"
boto3 = { version = "~1.34", extras = ["crt"] }
tomli = { version = "*", python = "<3.11" }
rich = { version = "^13", optional = true }
local-lib = { path = "../lib", develop = true }
shared = { git = "https://git.example.com/shared.git", tag = "v1.2" }
splitter = [
    { version = "^1.0", markers = "sys_platform == 'linux'" },
    { version = "^2.0", markers = "sys_platform != 'linux'" },
]

[tool.poetry.group.test.dependencies]
pytest = "^8"

[tool.poetry.group.docs]
optional = true

[tool.poetry.group.docs.dependencies]
mkdocs = "*"
"""


def test_poetry_tables_translate_to_pep508(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(POETRY_PYPROJECT)
    source = install_source(tmp_path, "poetry")
    assert source is not None and source.kind == "poetry"
    assert source.requirements == [
        "pulumi>=3.0.0,<4.0.0",
        "pulumi-aws>=6.5,<7.0",
        "boto3[crt]>=1.34,<1.35",
        'tomli ; python_version < "3.11"',
        f"-e {(tmp_path.parent / 'lib').resolve()}",
        "shared @ git+https://git.example.com/shared.git@v1.2",
        "splitter>=1.0,<2.0 ; (sys_platform == 'linux')",
        "splitter>=2.0,<3.0 ; (sys_platform != 'linux')",
        "pytest>=8,<9",
    ]
    assert source.constraints == []


def test_poetry_lock_pins_registry_packages(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\npython = "^3.11"\npulumi = "^3"\n')
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "pulumi"\nversion = "3.120.0"\n\n'
        '[[package]]\nname = "grpcio"\nversion = "1.66.2"\n\n'
        '[[package]]\nname = "shared"\nversion = "1.2"\n[package.source]\ntype = "git"\n'
        'url = "https://git.example.com/shared.git"\n'
    )
    source = install_source(tmp_path, "poetry")
    assert source is not None
    assert source.requirements == ["pulumi>=3,<4"]
    assert source.constraints == ["pulumi==3.120.0", "grpcio==1.66.2"]


def test_poetry_pep621_dependencies_win(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["pulumi>=3", "pulumi-random"]\n'
        '[tool.poetry.dependencies]\npulumi = "^3"\n'
    )
    source = install_source(tmp_path, "poetry")
    assert source is not None and source.requirements == ["pulumi>=3", "pulumi-random"]


def test_unsupported_poetry_constraint_names_the_dependency(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\npulumi = "^2 || ^3"\n')
    with pytest.raises(UnsupportedDependencyError) as err:
        install_source(tmp_path, "poetry")
    assert "[tool.poetry.dependencies]: dependency 'pulumi'" in str(err.value)
    assert "'^2 || ^3' is not supported" in str(err.value)


def test_sources_by_toolchain(tmp_path: Path) -> None:
    assert install_source(tmp_path, "pip") is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["pulumi>=3"]\n')
    source = install_source(tmp_path, "pip")
    assert source is not None and source.kind == "pyproject" and source.requirements == ["pulumi>=3"]
    (tmp_path / "requirements.txt").write_text("pulumi>=3\n")
    source = install_source(tmp_path, "uv")
    assert source is not None and source.kind == "requirements"
    (tmp_path / "uv.lock").write_text("version = 1\n")
    source = install_source(tmp_path, "uv")
    assert source is not None and source.kind == "uv-lock" and source.requirements == ["pulumi>=3"]


def test_poetry_without_pyproject_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"toolchain poetry but no pyproject\.toml"):
        install_source(tmp_path, "poetry")
    (tmp_path / "pyproject.toml").write_text("[tool.poetry\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: invalid TOML"):
        install_source(tmp_path, "poetry")


@pytest.mark.parametrize(
    ("output", "line"),
    [
        (
            "error: No solution found when resolving dependencies\n  cause: Because nonexistent-widget "
            "was not found in the package registry and you require nonexistent-widget==1.0, we can "
            "conclude that your requirements are unsatisfiable.\n",
            "nonexistent-widget: not found in the package registry",
        ),
        (
            "  \u00d7 No solution found when resolving dependencies:\n  ╰─▶ Because only acme-net==2.1.0 is "
            "available and you require acme-net>=3, we can conclude that your requirements are "
            "unsatisfiable.\n",
            "acme-net: only acme-net==2.1.0 is available, acme-net>=3 is required",
        ),
        (
            "error: Failed to build `broken-sdist==0.1`\n  cause: The build backend returned an error\n"
            "  cause: Call to `setuptools.build_meta.build_wheel` failed (exit status: 1)\n",
            "broken-sdist: Call to `setuptools.build_meta.build_wheel` failed (exit status: 1)",
        ),
        (
            "ERROR: Could not find a version that satisfies the requirement nope==1 (from versions: none)\n"
            "ERROR: No matching distribution found for nope==1\n",
            "nope: not found (pip: no matching distribution)",
        ),
        (
            "error: No solution found when resolving dependencies\n  cause: Because all versions of "
            "acme-net depend on acme-tags>=1 and you require acme-net, we can conclude that you require "
            "acme-tags>=1.\n         And because you require acme-tags<1, we can conclude that your "
            "requirements are unsatisfiable.\n",
            "acme-net: requires acme-tags>=1, but acme-tags<1 is required",
        ),
        ("error: something else entirely\n", "something else entirely"),
    ],
)
def test_uv_errors_become_one_line(output: str, line: str) -> None:
    assert uv_error_line(output) == line
