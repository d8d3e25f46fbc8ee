"""`journal.marker.json` beside a SQLite journal: proof that a journal existed and how far its history
went, so a missing, emptied or rolled-back journal is refused instead of taken for a new one."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ValidationError

from gitops_agent.journal.errors import JournalCorrupt

__all__ = ["Marker", "marker_path", "read_marker", "write_marker"]


class Marker(BaseModel):
    """The last history row the state directory saw appended (None: none yet)."""

    journal: str
    last_id: int | None = None
    last_digest: str = ""


def marker_path(journal: Path) -> Path:
    """`<dir>/journal.marker.json` for `<dir>/journal.sqlite`."""
    return journal.with_name(journal.stem + ".marker.json")


def read_marker(journal: Path) -> Marker | None:
    """The marker of `journal`, or None when there is none."""
    path = marker_path(journal)
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        return Marker.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        raise JournalCorrupt(
            f"{path}: unreadable; it records how far the journal's history went: restore it with the "
            "journal from a backup of the state directory"
        ) from None


def write_marker(journal: Path, marker: Marker) -> None:
    """Replace the marker atomically (write a temporary file, fsync, rename)."""
    path = marker_path(journal)
    fd, tmp = tempfile.mkstemp(prefix=".marker-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(marker.model_dump_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
