"""Which Git working tree a path belongs to, without Git or GitPython (needed before any program starts)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["git_toplevel"]


def git_toplevel(path: Path) -> Path | None:
    """The working tree of the Git repository containing `path` (the nearest directory with a `.git`
    directory or file, as Git finds it), resolved; None outside a repository."""
    here = Path(path).resolve()
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return None
