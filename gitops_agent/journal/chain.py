"""The history hash chain: each row's digest covers its content and the previous row's digest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from pydantic import BaseModel

from gitops_agent.journal.models import HistoryEntry

__all__ = ["GENESIS", "ChainReport", "row_digest", "verify_chain"]

GENESIS = ""  # prev_digest of the first row

_FIELDS = ("id", "project", "env", "revision", "action", "plan_digest", "at", "author", "subject", "summary")


def row_digest(entry: HistoryEntry, prev_digest: str) -> str:
    """sha256 (hex) over the canonical JSON of the row's fields (id included) and `prev_digest`."""
    values = [getattr(entry, f) for f in _FIELDS] + [prev_digest]
    canonical = json.dumps(values, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ChainReport(BaseModel):
    """The outcome of verifying the chain: `broken` is None when every link holds."""

    rows: int
    last_id: int | None = None
    last_digest: str = GENESIS
    broken: str | None = None

    @property
    def intact(self) -> bool:
        """Every link verified."""
        return self.broken is None


def verify_chain(rows: Iterable[HistoryEntry]) -> ChainReport:
    """Walk rows in id order; stop at the first broken link and say which row and what differs."""
    prev, prev_id, count = GENESIS, None, 0
    for row in rows:
        count += 1
        if row.prev_digest != prev:
            where = f"row {prev_id}" if prev_id is not None else "the start of the chain"
            return ChainReport(
                rows=count,
                last_id=prev_id,
                last_digest=prev,
                broken=f"row {row.id}: its link to {where} differs (a row before it was removed, "
                "inserted or rewritten)",
            )
        if row_digest(row, prev) != row.digest:
            return ChainReport(
                rows=count,
                last_id=prev_id,
                last_digest=prev,
                broken=f"row {row.id}: its content differs from its digest (the row was changed)",
            )
        prev, prev_id = row.digest, row.id
    return ChainReport(rows=count, last_id=prev_id, last_digest=prev)
