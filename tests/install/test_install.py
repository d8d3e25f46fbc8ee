"""`gitops install` end to end: real environments, wheels built in the test, no registry."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from compliance.discovery import load_project_file
from compliance.environments import project_interpreter
from compliance.installer import IndexOptions, find_uv, install_project
from gitops_agent.cli import main
from tests.install.wheels import make_wheel

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".venv" / "wheelhouse"


@pytest.fixture(autouse=True)
def private_uv_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """One uv cache for this module's tests, not the user's."""
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "uv-cache"))


@pytest.fixture
def wheels(tmp_path: Path) -> Path:
    house = tmp_path / "wheels"
    make_wheel(house, "acme-tags", "1.0.0", modules={"acme_tags/__init__.py": "STANDARD = {'team': 'net'}\n"})
    make_wheel(house, "acme-tags", "1.4.0", modules={"acme_tags/__init__.py": "STANDARD = {'team': 'ops'}\n"})
    make_wheel(house, "acme-net", "2.1.0", requires=["acme-tags>=1"])
    return house


def project(root: Path, name: str, runtime: str, files: dict[str, str] | None = None) -> Path:
    directory = root / name
    directory.mkdir(parents=True)
    (directory / "Pulumi.yaml").write_text(f"name: {name}\nruntime:\n{runtime}")
    (directory / "__main__.py").write_text("import pulumi\n")
    for file, text in (files or {}).items():
        (directory / file).write_text(text)
    return directory


VENV = "  name: python\n  options:\n    virtualenv: venv\n"
UV = "  name: python\n  options:\n    toolchain: uv\n"
POETRY = "  name: python\n  options:\n    toolchain: poetry\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "infra"
    project(root, "network", VENV, {"requirements.txt": "acme-net==2.1.0\n"})
    project(
        root,
        "dns",
        UV,
        {"pyproject.toml": '[project]\nname = "dns"\nversion = "0"\ndependencies = ["acme-tags>=1.4"]\n'},
    )
    project(
        root,
        "compute",
        POETRY,
        {
            "pyproject.toml": (
                '[tool.poetry]\nname = "compute"\nversion = "0.1.0"\n\n'
                '[tool.poetry.dependencies]\npython = "^3.11"\nacme-tags = "~1.0"\n\n'
                '[tool.poetry.group.dev.dependencies]\nacme-net = "^2.1"\n'
            )
        },
    )
    (root / "shared").mkdir()
    (root / "shared" / "Pulumi.yaml").write_text("name: shared\nruntime: python\n")
    return root


def imports(python: Path, code: str) -> str:
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def interpreter(directory: Path) -> Path | None:
    return project_interpreter(directory, load_project_file(directory))


def test_install_every_project_its_own_environment(
    repo: Path, wheels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["install", str(repo), "--no-index", "--find-links", str(wheels)])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert any(
        line.startswith("installed") and "network" in line and "requirements.txt" in line for line in lines
    )
    assert any(
        line.startswith("skipped") and "shared: uses the gate's own environment" in line for line in lines
    )
    assert lines[-1] == "4 projects: 3 installed, 1 skipped"

    network = interpreter(repo / "network")
    assert network == repo / "network" / "venv" / "bin" / "python"
    assert imports(network, "import acme_net, acme_tags; print(acme_tags.STANDARD['team'])") == "ops"

    dns = interpreter(repo / "dns")
    assert dns == repo / "dns" / ".venv" / "bin" / "python"
    assert imports(dns, "import acme_tags; print(acme_tags.STANDARD['team'])") == "ops"

    compute = interpreter(repo / "compute")  # poetry: ~1.0 keeps acme-tags at 1.0.x; dev group installed
    assert compute == repo / "compute" / ".venv" / "bin" / "python"
    assert imports(compute, "import acme_net, acme_tags; print(acme_tags.STANDARD['team'])") == "net"

    assert interpreter(repo / "shared") is None
    # Own environments: the gate's packages are not visible, bytecode is compiled at install time.
    assert imports(network, "import importlib.util as u; print(u.find_spec('pydantic'))") == "None"
    assert list((repo / "network" / "venv").glob("lib/python3*/site-packages/acme_net/__pycache__/*.pyc"))


def test_rerun_is_up_to_date_and_runs_nothing(
    repo: Path, wheels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["install", str(repo), "--no-index", "--find-links", str(wheels)]) == 0
    capsys.readouterr()
    assert main(["install", str(repo), "--no-index", "--find-links", str(wheels)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "4 projects: 3 up-to-date, 1 skipped"

    calls: list[list[str]] = []

    def runner(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        raise AssertionError("nothing should run")

    index = IndexOptions(no_index=True, find_links=[str(wheels)])
    result = install_project(repo / "network", index=index, uv=find_uv(), runner=runner)
    assert result.status == "up-to-date" and calls == []
    # A changed requirements file installs again (into the existing environment).
    (repo / "network" / "requirements.txt").write_text("acme-net==2.1.0\nacme-tags==1.0.0\n")
    result = install_project(repo / "network", index=index, uv=find_uv())
    assert result.status == "installed", result.detail
    assert imports(
        repo / "network" / "venv" / "bin" / "python", "import acme_tags; print(acme_tags.STANDARD)"
    ) == ("{'team': 'net'}")


def test_a_failing_project_names_the_package_and_the_others_install(
    repo: Path, wheels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo, "broken", VENV, {"requirements.txt": "acme-tags\nnonexistent-widget==1.0\n"})
    project(repo, "pinned-too-high", VENV, {"requirements.txt": "acme-net>=3\n"})
    code = main(["install", str(repo), "--no-index", "--find-links", str(wheels)])
    out = capsys.readouterr().out
    assert code == 2
    failed = [line for line in out.splitlines() if line.startswith("failed")]
    assert len(failed) == 2, out
    assert (
        failed[0].endswith(
            f"{repo / 'broken'}: nonexistent-widget: not found in the provided package locations"
        )
        or "broken: nonexistent-widget: not found in the provided package locations" in failed[0]
    )
    assert (
        "pinned-too-high: acme-net: only acme-net==2.1.0 is available, acme-net>=3 is required" in failed[1]
    )
    assert out.splitlines()[-1] == "6 projects: 3 installed, 1 skipped, 2 failed"
    assert interpreter(repo / "network") is not None
    assert interpreter(repo / "broken") is None  # a new environment that failed is removed again
    assert not (repo / "broken" / "venv").exists()


def test_bad_paths_and_projects_are_one_line_errors(
    tmp_path: Path, wheels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["install", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path / 'nowhere'}: no such file or directory"
    (tmp_path / "empty").mkdir()
    assert main(["install", str(tmp_path / "empty")]) == 2
    assert "no Pulumi projects under" in capsys.readouterr().err
    project(tmp_path / "repo", "odd", "  name: python\n  options:\n    toolchain: conda\n")
    assert main(["install", str(tmp_path / "repo"), "--no-index", "--find-links", str(wheels)]) == 2
    out = capsys.readouterr().out
    assert "failed" in out and "toolchain 'conda' is not one of pip, uv, poetry" in out


def test_uv_project_with_a_lock_installs_exactly_the_lock(
    tmp_path: Path, wheels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uv = find_uv()
    assert uv is not None
    app = project(
        tmp_path / "repo",
        "locked",
        UV,
        {
            "pyproject.toml": (
                '[project]\nname = "locked"\nversion = "0"\nrequires-python = ">=3.11"\n'
                'dependencies = ["acme-tags"]\n\n[tool.uv]\npackage = false\n'
            )
        },
    )
    # Lock at the older acme-tags (the newest is 1.4.0): the install must follow the lock.
    subprocess.run(
        [str(uv), "lock", "--no-index", "--find-links", str(wheels), "--resolution", "lowest", "--quiet"],
        cwd=app,
        check=True,
        env={**os.environ, "UV_PYTHON": sys.executable, "UV_PYTHON_DOWNLOADS": "never"},
    )
    lock = (app / "uv.lock").read_text()
    assert 'version = "1.0.0"' in lock
    assert main(["install", str(app), "--no-index", "--find-links", str(wheels)]) == 0
    assert "uv.lock into" in capsys.readouterr().out
    python = interpreter(app)
    assert python == app / ".venv" / "bin" / "python"
    assert imports(python, "import acme_tags; print(acme_tags.STANDARD['team'])") == "net"
    assert (app / "uv.lock").read_text() == lock


@pytest.mark.slow
def test_pip_fallback_without_uv(repo: Path, wheels: Path) -> None:
    index = IndexOptions(no_index=True, find_links=[str(wheels)])
    result = install_project(repo / "network", index=index, uv=None)
    assert result.status == "installed", result.detail
    assert "(pip)" in result.detail
    python = interpreter(repo / "network")
    assert python is not None
    assert imports(python, "import acme_net, acme_tags; print(acme_tags.STANDARD['team'])") == "ops"
    failing = project(repo, "broken", VENV, {"requirements.txt": "nonexistent-widget==1.0\n"})
    result = install_project(failing, index=index, uv=None)
    assert result.status == "failed" and result.detail.startswith("nonexistent-widget: not found"), (
        result.detail
    )


@pytest.fixture
def pulumi_wheelhouse() -> Iterator[Path]:
    if not any(WHEELHOUSE.glob("pulumi-*.whl")):
        pytest.skip(f"no pulumi wheel in {WHEELHOUSE} (make install creates the wheelhouse)")
    yield WHEELHOUSE


@pytest.mark.slow
def test_installed_environment_runs_a_pulumi_program(
    tmp_path: Path, wheels: Path, pulumi_wheelhouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A program importing a package only its own environment has is evaluated with that environment."""
    from compliance.evaluate import evaluate_project

    app = project(tmp_path / "repo", "tagged", VENV, {"requirements.txt": "pulumi\nacme-tags==1.4.0\n"})
    (app / "__main__.py").write_text(
        "import pulumi\nimport acme_tags\n\n"
        "class Bucket(pulumi.CustomResource):\n"
        "    def __init__(self, name, tags):\n"
        "        super().__init__('aws:s3/bucketV2:BucketV2', name, {'tags': tags})\n\n"
        "Bucket('logs', acme_tags.STANDARD)\n"
    )
    code = main(
        [
            "install",
            str(app),
            "--no-index",
            "--find-links",
            str(wheels),
            "--find-links",
            str(pulumi_wheelhouse),
        ]
    )
    assert code == 0, capsys.readouterr().out
    python = interpreter(app)
    assert python is not None
    assert imports(python, "import pulumi, sys; print(sys.prefix)") == str(app / "venv")
    graph = evaluate_project(app, "dev", repo_root=tmp_path / "repo")
    assert graph.error is None, graph.error
    assert [r.inputs.get("tags") for r in graph.resources if r.name == "logs"] == [{"team": "ops"}]


def test_python_option_must_exist(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["install", str(repo), "--python", str(repo / "no-python")]) == 2
    assert "--python" in capsys.readouterr().err
    assert sys.executable  # the default interpreter for new environments


def test_projects_sharing_one_environment_install_in_turn(
    tmp_path: Path, wheels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = "  name: python\n  options:\n    toolchain: pip\n    virtualenv: ../.venv\n"
    root = tmp_path / "mono"
    for name in ("api", "db", "edge"):
        project(root, name, shared, {"requirements.txt": "acme-net==2.1.0\n"})
    assert main(["install", str(root), "--no-index", "--find-links", str(wheels), "--jobs", "3"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "3 projects: 3 installed", out
    assert main(["install", str(root), "--no-index", "--find-links", str(wheels), "--jobs", "3"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "3 projects: 3 up-to-date"
    for name in ("api", "db", "edge"):
        assert interpreter(root / name) == root / ".venv" / "bin" / "python"
    assert imports(root / ".venv" / "bin" / "python", "import acme_net; print(acme_net.VERSION)") == "2.1.0"
