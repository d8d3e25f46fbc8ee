"""Reading the source files a program's positions and errors name.

The names come from the program (a hostile one can name any path: a FIFO that never ends, a device,
a symlink out of the repository), so only a regular file inside the repository, of bounded size, is
read; anything else reads as missing.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from pathlib import Path

__all__ = ["MAX_SOURCE_BYTES", "python_files", "read_source"]

MAX_SOURCE_BYTES = 4 * 1024 * 1024


def read_source(root: Path | None, file: str) -> bytes | None:
    """The bytes of `file` (relative to `root`, or absolute), or None when it is not a regular file
    inside `root` (after resolving links) of at most MAX_SOURCE_BYTES."""
    path = Path(file) if root is None or os.path.isabs(file) else root / file
    try:
        resolved = path.resolve()
        if root is not None and not resolved.is_relative_to(root.resolve()):
            return None
        if not resolved.is_file() or resolved.stat().st_size > MAX_SOURCE_BYTES:
            return None
        with resolved.open("rb") as handle:
            return handle.read(MAX_SOURCE_BYTES + 1)[:MAX_SOURCE_BYTES]
    except (OSError, ValueError):
        return None


def python_files(paths: Iterable[Path], skip: Collection[str], limit: int) -> list[Path]:
    """Up to `limit` regular `.py` files under `paths` (hidden directories and those named in `skip`
    left out, links not followed), the largest first."""
    found: dict[Path, int] = {}
    for top in paths:
        for directory, subdirs, names in os.walk(top):
            subdirs[:] = sorted(d for d in subdirs if d not in skip and not d.startswith("."))
            for name in names:
                path = Path(directory) / name
                if name.endswith(".py") and path.is_file() and not path.is_symlink():
                    found[path] = path.stat().st_size
    return sorted(found, key=lambda p: (-found[p], str(p)))[:limit]
