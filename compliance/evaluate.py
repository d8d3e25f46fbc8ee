"""Evaluate Pulumi Python programs offline -> StackGraph (facade over compliance.evaluation).

Each program runs under its own interpreter, confined, against a resource monitor in the gate's
process: see compliance/evaluation/launcher.py and docs/evaluation.md.
"""

from __future__ import annotations

from compliance.evaluation.config import config_position, config_values, parse_overrides, placeholder_for
from compliance.evaluation.launcher import (
    evaluate_many,
    evaluate_project,
    git_toplevel,
    library_paths,
    outputs_by_reference,
)

__all__ = [
    "config_position",
    "config_values",
    "evaluate_many",
    "evaluate_project",
    "git_toplevel",
    "library_paths",
    "outputs_by_reference",
    "parse_overrides",
    "placeholder_for",
]
