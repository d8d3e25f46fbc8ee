"""The one error type of the policies package: a bad policy file or revision (exit status 2)."""

from __future__ import annotations


class PolicyConfigError(Exception):
    """A policy file, check or revision is unusable. The message is one line naming the file."""
