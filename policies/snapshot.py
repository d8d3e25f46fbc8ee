"""The policies/ tree frozen in memory before any program runs, and private copies written from it.

The gate reads every file of `policies/` (from the working tree, or from a Git revision with
`--policies-from`) into memory before the first Pulumi program starts, so nothing a program writes
while it runs can change the policies that judge it. Checks are later loaded from a fresh private
copy (`materialize`) written from those bytes. The digest names exactly what was used.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from policies.errors import PolicyConfigError

__all__ = ["DEFAULTS", "PolicySnapshot", "from_revision", "from_worktree", "materialize", "tree_digest"]

DEFAULTS = "defaults"
"""`source` of a snapshot when the repository has no policies/: Checkov's checks, all mandatory."""

SKIPPED_PARTS = frozenset({"__pycache__", ".git"})


def tree_digest(files: Mapping[str, bytes]) -> str:
    """sha256 over the sorted (path, content) pairs: `sha256:<hex>`."""
    digest = hashlib.sha256()
    for path in sorted(files):
        content = files[path]
        digest.update(f"{path}\0{len(content)}\0".encode())
        digest.update(content)
    return f"sha256:{digest.hexdigest()}"


@dataclass(frozen=True)
class PolicySnapshot:
    """Every file of a policies/ tree (relative POSIX path -> bytes), where it came from and its digest.

    `source`: "worktree", the Git revision given to --policies-from, or DEFAULTS (no policies/ at all);
    `differs`: paths under policies/ that differ between that revision and the working tree.
    """

    source: str
    files: Mapping[str, bytes] = field(default_factory=dict)
    differs: list[str] = field(default_factory=list)

    @property
    def defaults(self) -> bool:
        """True when there is no policies/ tree: Checkov's own checks, every one mandatory."""
        return self.source == DEFAULTS

    @property
    def digest(self) -> str:
        """tree_digest of the files (of nothing, for the defaults)."""
        return tree_digest(self.files)

    def summary(self) -> dict[str, object]:
        """The report's `summary.policies`: source, digest, and the paths that differ."""
        return {"source": self.source, "digest": self.digest, "differs": list(self.differs)}


def from_worktree(policies_dir: Path) -> PolicySnapshot:
    """Read every regular file under `policies_dir` (DEFAULTS when the directory does not exist).

    Symbolic links are left out, as in a revision's tree: a policy never needs one, and one could
    point at a file a program writes.
    """
    if not policies_dir.is_dir():
        return PolicySnapshot(source=DEFAULTS)
    files: dict[str, bytes] = {}
    for current, dirs, names in os.walk(policies_dir):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_PARTS and not Path(current, d).is_symlink())
        for name in sorted(names):
            path = Path(current, name)
            if path.is_symlink() or not path.is_file() or path.suffix == ".pyc":
                continue
            try:
                files[path.relative_to(policies_dir).as_posix()] = path.read_bytes()
            except OSError as exc:
                raise PolicyConfigError(f"{path}: cannot read ({exc.strerror})") from None
    return PolicySnapshot(source="worktree", files=files)


def from_revision(repo_root: Path, rev: str, *, directory: str = "policies") -> PolicySnapshot:
    """The `policies/` tree at Git revision `rev`, read from the object store (DEFAULTS if it has none)."""
    import git  # only here: a check without --policies-from starts its programs sooner without it
    from git.objects import Blob, Tree

    try:
        repo = git.Repo(repo_root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise PolicyConfigError(f"{repo_root}: not a git repository") from None
    try:
        commit = repo.commit(rev)
    except (git.BadName, git.BadObject, ValueError):
        raise PolicyConfigError(f"{repo_root}: unknown revision {rev!r}") from None
    try:
        tree = commit.tree / directory
    except KeyError:
        return PolicySnapshot(source=DEFAULTS)
    if not isinstance(tree, Tree):
        raise PolicyConfigError(f"{repo_root}: {directory} at {rev} is not a directory")
    files: dict[str, bytes] = {}
    for item in tree.traverse():
        if not isinstance(item, Blob) or item.mode == Blob.link_mode:
            continue
        relative = PurePosixPath(item.path).relative_to(directory)
        if SKIPPED_PARTS.intersection(relative.parts) or relative.suffix == ".pyc":
            continue
        files[relative.as_posix()] = item.data_stream.read()
    return PolicySnapshot(source=rev, files=files)


@contextmanager
def materialize(snapshot: PolicySnapshot) -> Iterator[Path]:
    """A fresh private directory (mode 0700) holding the snapshot as `<tmp>/policies`, removed after."""
    with tempfile.TemporaryDirectory(prefix="gitops-policies-") as tmp:
        os.chmod(tmp, 0o700)
        out = Path(tmp) / "policies"
        out.mkdir(mode=0o700)
        for relative, content in snapshot.files.items():
            target = out.joinpath(*PurePosixPath(relative).parts)
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            target.write_bytes(content)
        yield out
