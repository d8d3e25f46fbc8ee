"""The journal's exceptions: one root, classified with isinstance; every message is one line and
never contains a credential (URLs are masked before they reach a message)."""

from __future__ import annotations

__all__ = [
    "ChainBroken",
    "JournalCorrupt",
    "JournalError",
    "JournalMissing",
    "JournalUnavailable",
    "JournalUrlError",
    "JournalWriteError",
    "LeaseLost",
]


class JournalError(Exception):
    """Root of every journal error."""


class JournalUrlError(JournalError):
    """`--journal URL` is not a URL this agent can use."""


class JournalUnavailable(JournalError):
    """The journal cannot be reached right now (a database server down or unreachable): transient."""


class JournalMissing(JournalError):
    """The journal is missing where the state directory says one existed."""


class JournalCorrupt(JournalError):
    """The journal is not a journal any more: empty, truncated, random bytes, or rows lost."""


class ChainBroken(JournalCorrupt):
    """The history hash chain does not verify: a row was changed, removed or inserted."""


class JournalWriteError(JournalError):
    """The database refused a write (a constraint); nothing of the transaction was written."""


class LeaseLost(JournalError):
    """A write carried a fencing token that is no longer the stack's current one (or whose lease
    expired): another agent may own the stack now, so the write was refused."""
