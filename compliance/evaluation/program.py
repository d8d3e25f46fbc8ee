"""What the gate decides about a program before it starts: the monitor serves it with this.

Kept apart from the monitor (gRPC, the Pulumi SDK's protocol) so a program can be started before
those are imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.evaluation.lookups import LookupPins

__all__ = ["Program"]


@dataclass(frozen=True)
class Program:
    """What the monitor knows of the program it serves (all decided by the gate, before it starts)."""

    project: str
    path: str
    env: str
    root: Path
    cwd: Path
    region: str
    placeholders: frozenset[str] = frozenset()
    stack_outputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    pins: LookupPins | None = None
    """Lookup results the user pinned (gitops-lookups.yaml next to Pulumi.yaml)."""
    sdk_path: tuple[str, ...] | None = None
    """The program's site-packages, so lookups take result types from its own provider SDKs."""
