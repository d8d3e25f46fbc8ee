"""A clean export of one Git revision's tree into a directory (what `--base REV` evaluates)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from compliance.errors import ConfigError

__all__ = ["export_revision", "resolve_revision"]


def resolve_revision(repo_root: Path, rev: str) -> str:
    """The commit sha `rev` names in the repository at `repo_root` (ConfigError naming it if none)."""
    import git

    try:
        repo = git.Repo(repo_root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise ConfigError(f"{repo_root}: not a git repository") from None
    try:
        return str(repo.commit(rev).hexsha)
    except (git.BadName, git.BadObject, ValueError, git.GitCommandError):
        raise ConfigError(f"{rev}: unknown git revision in {repo_root}") from None


def export_revision(repo_root: Path, rev: str, dest: Path) -> Path:
    """Write the tree of `rev` (tracked files only, like `git archive`) into `dest`; return `dest`."""
    import git

    sha = resolve_revision(repo_root, rev)
    repo = git.Repo(repo_root, search_parent_directories=True)
    buffer = io.BytesIO()
    repo.archive(buffer, sha, format="tar")
    buffer.seek(0)
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=buffer) as tar:
        tar.extractall(dest, filter="data")
    return dest
