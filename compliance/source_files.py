"""Reading the source files a program's positions and errors name.

The names come from the program (a hostile one can name any path: a FIFO that never ends, a device,
a symlink out of the repository), so only a regular file inside the repository, of bounded size, is
read; anything else reads as missing.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["MAX_SOURCE_BYTES", "read_source"]

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
