"""Project discovery, StackReference dependencies, ordering and change detection."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from compliance.discovery import (
    Project,
    affected_since,
    dependents,
    discover,
    find_projects,
    load_stack_config,
    topological_order,
)
from compliance.errors import ConfigError


def project(root: Path, rel: str, name: str, config: dict[str, str] | None = None, env: str = "dev") -> Path:
    directory = root / rel
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (directory / "__main__.py").write_text("import pulumi\n")
    if config is not None:
        lines = "".join(f"  {k}: {v}\n" for k, v in config.items())
        (directory / f"Pulumi.{env}.yaml").write_text(f"config:\n{lines}")
    return directory


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    stacks = tmp_path / "stacks"
    project(stacks, "database", "database", {"aws:region": "us-east-1"})
    project(stacks, "serverless", "serverless", {"serverless:databaseStack": "organization/database/dev"})
    project(
        stacks,
        "edge",
        "edge",
        {"edge:apiStack": "organization/serverless/dev", "edge:note": "organization/database/dev"},
    )
    project(stacks, "nested/deeper/tools", "tools", {"toolsStack": "acme/database/dev"})
    project(stacks, ".hidden/ignored", "ignored")
    project(stacks, "node_modules/pkg", "pkg")
    project(stacks, ".venv/lib", "venvproject")
    return stacks


def test_discover_walks_directories_and_reads_dependencies(tree: Path) -> None:
    found = discover([tree], "dev")
    assert [(p.name, p.depends_on) for p in found] == [
        ("database", []),
        ("edge", ["serverless"]),  # only keys ending in "Stack" count
        ("serverless", ["database"]),
        ("tools", ["database"]),  # un-namespaced key, other org
    ]
    assert found[0].path == tree / "database"


def test_discover_accepts_project_dirs_and_ignores_duplicates(tree: Path) -> None:
    found = discover([tree / "edge", tree / "database", tree], "dev")
    assert sorted(p.name for p in found) == ["database", "edge", "serverless", "tools"]


def test_dependencies_depend_on_the_env(tree: Path) -> None:
    project(
        tree, "serverless", "serverless", {"serverless:databaseStack": "organization/database/prod"}, "prod"
    )
    found = {p.name: p for p in discover([tree], "prod")}
    assert found["serverless"].depends_on == ["database"]
    assert found["edge"].depends_on == []  # no Pulumi.prod.yaml: no config, no dependencies


def test_topological_order_and_dependents(tree: Path) -> None:
    found = discover([tree], "dev")
    assert [p.name for p in topological_order(found)] == ["database", "serverless", "edge", "tools"]
    assert dependents(found, {"database"}) == {"database", "serverless", "edge", "tools"}
    assert dependents(found, {"serverless"}) == {"serverless", "edge"}
    assert dependents(found, set()) == set()


def test_cycle_is_a_clear_error() -> None:
    projects = [
        Project(name="a", path=Path("a"), depends_on=["b"]),
        Project(name="b", path=Path("b"), depends_on=["c"]),
        Project(name="c", path=Path("c"), depends_on=["a"]),
    ]
    with pytest.raises(ConfigError, match=r"stack dependency cycle: a -> b -> c -> a"):
        topological_order(projects)


def test_invalid_yaml_is_an_error_for_that_project_only(tmp_path: Path) -> None:
    directory = project(tmp_path, "p", "p")
    project(tmp_path, "q", "q")
    (directory / "Pulumi.dev.yaml").write_text("config:\n  p:x: [unclosed\n")
    found = {p.name: p for p in discover([tmp_path], "dev")}
    assert found["q"].error is None
    message = found["p"].error
    assert message is not None and message.startswith(str(directory / "Pulumi.dev.yaml"))
    assert "invalid YAML" in message and "\n" not in message


def test_missing_name_is_an_error_named_after_the_directory(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "Pulumi.yaml").write_text("runtime: python\n")
    (found,) = discover([tmp_path], "dev")
    assert found.name == "p"
    assert found.error is not None and found.error.endswith("Pulumi.yaml: missing project 'name'")


def test_duplicate_project_names_are_an_error(tmp_path: Path) -> None:
    project(tmp_path, "one", "same")
    project(tmp_path, "two", "same")
    with pytest.raises(ConfigError, match="project name 'same' also used by"):
        discover([tmp_path], "dev")


def test_find_projects_keeps_duplicate_names(tmp_path: Path) -> None:
    project(tmp_path, "one", "same")
    project(tmp_path, "two", "same")
    assert [p.path.name for p in find_projects([tmp_path], "dev")] == ["one", "two"]


def test_stack_config_namespaces_keys(tmp_path: Path) -> None:
    directory = project(tmp_path, "p", "p", {"aws:region": "eu-west-1", "size": "3"})
    assert load_stack_config(directory, "p", "dev") == {"aws:region": "eu-west-1", "p:size": 3}
    assert load_stack_config(directory, "p", "prod") == {}


@pytest.fixture
def repo(tree: Path) -> git.Repo:
    root = tree.parent
    (root / "stacks" / "platform_components").mkdir()
    (root / "stacks" / "platform_components" / "bucket.py").write_text("X = 1\n")
    (root / "policies").mkdir()
    (root / "policies" / "levels.yaml").write_text("a: 1\n")
    repository = git.Repo.init(root)
    with repository.config_writer() as writer:
        writer.set_value("user", "name", "Test")
        writer.set_value("user", "email", "test@example.com")
    repository.index.add(
        [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]
    )
    repository.index.commit("initial")
    return repository


def commit_change(repository: git.Repo, rel: str, text: str) -> None:
    path = Path(repository.working_tree_dir or ".") / rel
    path.write_text(text)
    repository.index.add([rel])
    repository.index.commit(f"change {rel}")


def test_affected_since_committed_change_includes_dependents(repo: git.Repo, tree: Path) -> None:
    projects = discover([tree], "dev")
    base = repo.head.commit.hexsha
    commit_change(repo, "stacks/serverless/__main__.py", "import pulumi  # changed\n")
    assert affected_since(tree.parent, base, projects) == {"serverless", "edge"}
    assert affected_since(tree.parent, "HEAD", projects) == set()


def test_affected_since_counts_uncommitted_and_untracked_changes(repo: git.Repo, tree: Path) -> None:
    projects = discover([tree], "dev")
    (tree / "nested" / "deeper" / "tools" / "new.py").write_text("")
    assert affected_since(tree.parent, "HEAD", projects) == {"tools"}
    (tree / "database" / "__main__.py").write_text("import pulumi  # edited, not committed\n")
    assert affected_since(tree.parent, "HEAD", projects) == {"database", "serverless", "edge", "tools"}


def test_shared_paths_affect_every_project(repo: git.Repo, tree: Path) -> None:
    projects = discover([tree], "dev")
    base = repo.head.commit.hexsha
    commit_change(repo, "policies/levels.yaml", "a: 2\n")
    assert affected_since(tree.parent, base, projects) == {"database", "serverless", "edge", "tools"}
    assert affected_since(tree.parent, base, projects, shared_paths=()) == set()


def test_bad_revision_is_a_clear_error(repo: git.Repo, tree: Path) -> None:
    with pytest.raises(ConfigError, match=r"no-such-rev: unknown git revision"):
        affected_since(tree.parent, "no-such-rev", discover([tree], "dev"))


def test_not_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a git repository"):
        affected_since(tmp_path, "HEAD", [])


def test_project_config_defaults_are_overridden_by_the_stack(tmp_path: Path) -> None:
    from compliance.discovery import load_config, load_project_file

    directory = project(tmp_path, "p", "p", {"p:size": "3", "aws:region": "eu-west-1"})
    (directory / "Pulumi.yaml").write_text(
        "name: p\nruntime: python\nconfig:\n"
        "  size: 1\n"
        "  tier:\n    type: string\n    default: small\n"
        "  aws:region:\n    value: us-east-2\n"
        "  depStack:\n    default: organization/base/dev\n"
        "  note:\n    type: string\n    description: no default\n"
    )
    assert load_config(directory, load_project_file(directory), "dev") == {
        "p:size": 3,
        "p:tier": "small",
        "aws:region": "eu-west-1",
        "p:depStack": "organization/base/dev",
    }
    assert [p.depends_on for p in discover([tmp_path], "dev")] == [["base"]]
