"""Values shared across the gate that must be importable without pydantic (the command starts a
program before it imports its models)."""

from __future__ import annotations

__all__ = ["SECRET"]

SECRET = "[secret]"
"""Placeholder that replaces every Pulumi secret value in a graph. Real secrets never leave the
evaluation subprocess."""
