"""Rollback by Git: a revert commit of COMMIT (optionally on a new branch, optionally pushed).

The agent then applies the revert like any other commit, so the rollback is reviewed, audited and
reconciled through the same path as a change.
"""

from __future__ import annotations

from pathlib import Path

import git

from gitops_agent.source import CommitInfo, commit_info


class RollbackError(Exception):
    """The revert cannot be made (dirty tree, unknown commit, conflict, push refused)."""


def revert_commit(
    repo_path: Path,
    commit: str,
    *,
    branch: str | None = None,
    push: bool = False,
    remote: str = "origin",
) -> CommitInfo:
    """Create `git revert --no-edit COMMIT` (with `-m 1` for merges) and return the new commit."""
    try:
        repo = git.Repo(repo_path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise RollbackError(f"{repo_path}: not a Git repository") from exc
    if repo.is_dirty(untracked_files=False):
        raise RollbackError(f"{repo.working_dir}: working tree has uncommitted changes; commit or stash them")
    try:
        target = repo.commit(commit)
    except (git.BadName, ValueError) as exc:
        raise RollbackError(f"{repo.working_dir}: unknown commit {commit!r}") from exc
    if branch:
        if branch in repo.heads:
            raise RollbackError(f"{repo.working_dir}: branch {branch!r} already exists")
        repo.git.checkout("-b", branch)
    elif repo.head.is_detached:
        raise RollbackError(f"{repo.working_dir}: HEAD is detached; pass --branch NEW")
    args = ["--no-edit", *(["-m", "1"] if len(target.parents) > 1 else []), target.hexsha]
    try:
        repo.git.revert(*args)
    except git.GitCommandError as exc:
        if (Path(repo.git_dir) / "REVERT_HEAD").exists():
            repo.git.revert("--abort")
        raise RollbackError(f"{repo.working_dir}: cannot revert {target.hexsha[:12]}: {_last(exc)}") from exc
    if push:
        name = repo.active_branch.name
        try:
            repo.git.push(remote, f"HEAD:refs/heads/{name}")
        except git.GitCommandError as exc:
            raise RollbackError(f"{repo.working_dir}: push to {remote} {name} failed: {_last(exc)}") from exc
    return commit_info(repo, "HEAD")


def _last(exc: git.GitCommandError) -> str:
    lines = [line.strip() for line in str(exc.stderr or exc).splitlines() if line.strip()]
    return lines[-1] if lines else f"exit {exc.status}"
