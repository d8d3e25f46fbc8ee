"""Where a discovered project lives inside a checkout of the repository."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["project_dir_of", "relative_dir"]


def project_dir_of(project: Any, checkout: Path) -> Path:
    """A discovered project's directory inside the checkout."""
    path = Path(project.path)
    return path if path.is_absolute() else checkout / path


def relative_dir(project: Any, checkout: Path) -> str:
    """A discovered project's directory relative to the repository root (as Git diffs name it)."""
    return project_dir_of(project, checkout).resolve().relative_to(checkout.resolve()).as_posix()
