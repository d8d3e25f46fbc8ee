"""Which Python interpreter runs a project: the environment its Pulumi.yaml names (interface)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def project_interpreter(project_dir: Path, settings: Mapping[str, Any]) -> Path | None:
    """The python of the project's own environment (runtime.options.virtualenv / toolchain), if it
    exists; None means "use the gate's own interpreter".

    Placeholder until `gitops install` lands: always None.
    """
    del project_dir, settings
    return None
