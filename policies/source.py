"""Policies from a Git revision (`gitops check --policies-from REV`): a PR cannot weaken the policy
that judges it or waive its own violation, because checks, levels, waivers and config come from REV.

Load the materialised checks with policies.loader.load_checks(dest / "checks"): it drops any check
or helper module loaded earlier (e.g. from the working tree) before importing REV's files by path.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import git
from git.objects import Blob, Tree

from policies.errors import PolicyConfigError

POLICIES = "policies"


def _tree_at(repo: git.Repo, rev: str, repo_root: Path) -> Tree:
    try:
        commit = repo.commit(rev)
    except (git.BadName, git.BadObject, ValueError):
        raise PolicyConfigError(f"{repo_root}: unknown revision {rev!r}") from None
    try:
        tree = commit.tree / POLICIES
    except KeyError:
        raise PolicyConfigError(f"{repo_root}: revision {rev} has no {POLICIES}/ directory") from None
    if not isinstance(tree, Tree):
        raise PolicyConfigError(f"{repo_root}: {POLICIES} at {rev} is not a directory")
    return tree


def _open(repo_root: Path) -> git.Repo:
    try:
        return git.Repo(repo_root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise PolicyConfigError(f"{repo_root}: not a git repository") from None


def materialize_policies(repo_root: Path, rev: str, dest: Path) -> Path:
    """Write the `policies/` tree at `rev` into `dest/policies` and return that directory."""
    repo = _open(repo_root)
    tree = _tree_at(repo, rev, repo_root)
    out = dest / POLICIES
    for item in tree.traverse():
        if not isinstance(item, Blob):
            continue
        relative = PurePosixPath(item.path).relative_to(POLICIES)
        if item.mode == Blob.link_mode:
            continue  # a symlink could point outside the tree; policies never need one
        target = out.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.data_stream.read())
    out.mkdir(parents=True, exist_ok=True)
    return out


def policies_differ(repo_root: Path, rev: str) -> list[str]:
    """Paths under policies/ that differ between `rev` and the working tree (incl. untracked files)."""
    repo = _open(repo_root)
    _tree_at(repo, rev, repo_root)
    changed = set(repo.git.diff(rev, "--name-only", "--no-renames", "--", POLICIES).splitlines())
    changed.update(p for p in repo.untracked_files if p.startswith(POLICIES + "/"))
    return sorted(p for p in changed if p)
