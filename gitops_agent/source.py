"""Git source: mirror a repository into the state dir, resolve a branch head, export a clean commit.

Stacks are always evaluated from an export of one exact commit (`git archive`), never from a
working tree someone may be editing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
import tarfile
import time
import uuid
from pathlib import Path

import git
from pydantic import BaseModel

EXPORT_MARKER = ".gitops-export-complete"


class SourceError(Exception):
    """The repository, branch or commit cannot be used (one line, names the repo/branch)."""


class CommitInfo(BaseModel):
    """What the audit log records about a commit."""

    sha: str
    author: str
    subject: str


def mirror_dir(cache_dir: Path, repo: str) -> Path:
    """Where the mirror of `repo` lives in the cache (stable per repository URL/path)."""
    key = hashlib.sha256(repo.encode()).hexdigest()[:16]
    return cache_dir / f"mirror-{key}.git"


def _normalise(repo: str) -> str:
    """Local paths become absolute; URLs (https, ssh, scp-like, file://) are kept as they are."""
    if "://" in repo or (":" in repo and not Path(repo).exists()):
        return repo
    return str(Path(repo).resolve())


def sync_mirror(repo: str, cache_dir: Path) -> git.Repo:
    """Clone `repo` as a bare mirror under `cache_dir` the first time, fetch (with prune) afterwards."""
    url = _normalise(repo)
    path = mirror_dir(cache_dir, url)
    try:
        if not (path / "HEAD").exists():
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # unique: agents may race
            try:
                git.Repo.clone_from(url, tmp, mirror=True)
                with contextlib.suppress(OSError):  # another agent finished its clone first
                    tmp.rename(path)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            return git.Repo(path)
        mirror = git.Repo(path)
        mirror.git.fetch("--prune", "--force", "origin")
        return mirror
    except git.GitCommandError as exc:
        step = exc.command[1] if exc.command and len(exc.command) > 1 else "command"
        raise SourceError(f"{repo}: git {step} failed: {git_error_message(exc)}") from exc


def git_error_message(exc: git.GitCommandError) -> str:
    """Git's own last meaningful stderr line (`fatal: repository 'x' does not exist`), without the
    `stderr: '...'` wrapping GitPython adds; the exit status when git said nothing."""
    text = str(exc.stderr or "").strip()
    if text.startswith("stderr:"):
        text = text.removeprefix("stderr:").strip()
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            text = text[1:-1]
    lines = [line.strip() for line in text.splitlines() if line.strip().strip("'\"")]
    preferred = [line for line in lines if line.lower().startswith(("fatal:", "error:"))]
    chosen = (preferred or lines)[-1:] if lines else []
    return chosen[0].removeprefix("fatal: ") if chosen else f"exit status {exc.status}"


def commit_info(mirror: git.Repo, rev: str) -> CommitInfo:
    """Author and subject of a commit."""
    commit = mirror.commit(rev)
    message = commit.message if isinstance(commit.message, str) else commit.message.decode()
    return CommitInfo(
        sha=commit.hexsha,
        author=f"{commit.author.name} <{commit.author.email}>",
        subject=(message.strip().splitlines() or [""])[0],
    )


def resolve_branch(mirror: git.Repo, branch: str) -> CommitInfo:
    """The head commit of `branch` in the mirror."""
    try:
        return commit_info(mirror, f"refs/heads/{branch}")
    except (git.BadName, ValueError) as exc:
        raise SourceError(f"branch {branch!r} not found in {mirror.git_dir}") from exc


def has_commit(mirror: git.Repo, sha: str) -> bool:
    """True when `sha` is a commit object present in the mirror."""
    try:
        mirror.git.cat_file("-e", f"{sha}^{{commit}}")
    except git.GitCommandError:
        return False
    return True


def is_ancestor(mirror: git.Repo, old: str, new: str) -> bool:
    """True when `new` descends from (or equals) `old`; False for rewritten or unknown history."""
    if not has_commit(mirror, old):
        return False
    return bool(mirror.is_ancestor(mirror.commit(old), mirror.commit(new)))


def changed_paths(mirror: git.Repo, old: str, new: str) -> list[str]:
    """Repository-relative paths that differ between two commits (renames count on both sides)."""
    out = mirror.git.diff("--name-only", "--no-renames", old, new)
    return [line for line in out.splitlines() if line]


def export_commit(mirror: git.Repo, sha: str, checkouts_dir: Path) -> Path:
    """A clean, read-only-by-convention tree of exactly `sha` (reused if already exported)."""
    dest = checkouts_dir / sha
    if (dest / EXPORT_MARKER).exists():
        return dest
    tmp = checkouts_dir / f".{sha}.{uuid.uuid4().hex}.tmp"  # unique: agents sharing a state dir may race
    try:
        tmp.mkdir(parents=True)
        buffer = io.BytesIO()
        mirror.archive(buffer, sha, format="tar")
        buffer.seek(0)
        with tarfile.open(fileobj=buffer) as tar:
            tar.extractall(tmp, filter="data")
        (tmp / EXPORT_MARKER).write_text(sha + "\n")
        if dest.exists() and not (dest / EXPORT_MARKER).exists():
            shutil.rmtree(dest, ignore_errors=True)  # a partial export left by a crash
        with contextlib.suppress(OSError):  # another agent exported the same commit first
            tmp.rename(dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def prune_exports(checkouts_dir: Path, keep: set[str], *, older_than: float = 3600.0) -> None:
    """Delete exported trees of commits not in `keep` that are older than `older_than` seconds
    (recent ones may be in use by another agent sharing the state dir)."""
    if not checkouts_dir.exists():
        return
    cutoff = time.time() - older_than
    for child in checkouts_dir.iterdir():
        if child.is_dir() and child.name not in keep and child.stat().st_mtime < cutoff:
            shutil.rmtree(child, ignore_errors=True)
