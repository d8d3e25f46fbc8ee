"""The environment being checked, set by the gate before the scan and read by env-dependent checks."""

from __future__ import annotations

_env: str | None = None


def set_env(env: str | None) -> None:
    """Set (or clear, with None) the environment the next scan checks."""
    global _env
    _env = env


def current_env() -> str | None:
    """The environment being checked, or None when the gate has not set one."""
    return _env
