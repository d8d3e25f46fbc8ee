"""policies.snapshot: every policy file read into memory, private copies, digests, the defaults."""

from __future__ import annotations

import stat
from pathlib import Path

import git

from policies.snapshot import DEFAULTS, from_revision, from_worktree, materialize, tree_digest


def write_tree(root: Path) -> Path:
    policies = root / "policies"
    (policies / "checks" / "__pycache__").mkdir(parents=True)
    (policies / "enforcement.yaml").write_text("default: mandatory\n")
    (policies / "checks" / "__init__.py").write_text("")
    (policies / "checks" / "one.py").write_text("X = 1\n")
    (policies / "checks" / "__pycache__" / "one.cpython-312.pyc").write_bytes(b"\0")
    (root / "outside.yaml").write_text("default: disabled\n")
    (policies / "waivers.yaml").symlink_to(root / "outside.yaml")
    return policies


def test_worktree_snapshot_reads_regular_files_only(tmp_path: Path) -> None:
    snapshot = from_worktree(write_tree(tmp_path))
    assert snapshot.source == "worktree" and not snapshot.defaults
    assert sorted(snapshot.files) == ["checks/__init__.py", "checks/one.py", "enforcement.yaml"]
    assert snapshot.files["enforcement.yaml"] == b"default: mandatory\n"
    assert snapshot.digest == tree_digest(dict(snapshot.files)) and snapshot.digest.startswith("sha256:")


def test_a_change_after_the_snapshot_changes_nothing_in_it(tmp_path: Path) -> None:
    policies = write_tree(tmp_path)
    snapshot = from_worktree(policies)
    digest = snapshot.digest
    (policies / "enforcement.yaml").write_text("default: disabled\n")
    with materialize(snapshot) as copy:
        assert (copy / "enforcement.yaml").read_text() == "default: mandatory\n"
        assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
        assert copy.resolve() != policies.resolve()
    assert not copy.exists()
    assert snapshot.digest == digest != from_worktree(policies).digest


def test_revision_snapshot_matches_the_worktree_and_missing_policies_are_defaults(tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path, initial_branch="main")
    (tmp_path / "README.md").write_text("x\n")
    repo.index.add(["README.md"])
    repo.index.commit("no policies")
    assert from_revision(tmp_path, "main").source == DEFAULTS
    assert from_worktree(tmp_path / "policies").defaults
    write_tree(tmp_path)
    repo.index.add(["policies/enforcement.yaml", "policies/checks/__init__.py", "policies/checks/one.py"])
    repo.index.commit("policies")
    at_main = from_revision(tmp_path, "main")
    assert at_main.source == "main"
    assert at_main.digest == from_worktree(tmp_path / "policies").digest
