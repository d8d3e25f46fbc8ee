"""Errors the compliance modules raise for bad input (the CLI turns them into one line + exit 2)."""

from __future__ import annotations


class ConfigError(Exception):
    """Invalid or missing configuration; the message is one line naming the file."""


class SandboxUnavailable(ConfigError):
    """`--sandbox required`, but bubblewrap cannot run here; the message says why."""
