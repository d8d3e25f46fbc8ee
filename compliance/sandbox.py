"""Confinement for the programs the gate and the agent run (interface; see docs/evaluation.md).

`confine()` turns the command that starts an evaluation into one that runs confined, and says
which confinement was used so reports can state it. This module only builds the command and its
environment; starting, timing out and killing the process stay with the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

SandboxMode = Literal["required", "auto", "off"]
Confinement = Literal["bubblewrap", "process", "none"]


@dataclass(frozen=True)
class Confined:
    """A command ready to start: argv, its complete environment, and the confinement it gets."""

    argv: list[str]
    env: dict[str, str]
    confinement: Confinement
    notes: list[str] = field(default_factory=list)


def confine(
    argv: Sequence[str],
    *,
    mode: SandboxMode,
    read_only: Sequence[Path],
    writable: Sequence[Path],
    env: Mapping[str, str],
) -> Confined:
    """Wrap `argv` for `mode`; `env` is the whole environment the program gets (already allow-listed).

    Placeholder until the bubblewrap implementation lands: no confinement at all.
    """
    del read_only, writable
    return Confined(argv=list(argv), env=dict(env), confinement="none")
