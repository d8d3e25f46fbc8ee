"""Import a helper module that sits next to a check file, by path, keyed by its content.

Checks import `orgpolicy_support` through this rather than `import orgpolicy_support`: a bare import
would reuse whatever module of that name is already in sys.modules (the working tree's, or a previous
revision's) or find another checks directory on sys.path first.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from typing import Any


def load_sibling(anchor_file: str, name: str) -> Any:
    """The module `<dir of anchor_file>/<name>.py`, imported once per distinct file content."""
    path = Path(anchor_file).resolve().with_name(f"{name}.py")
    digest = hashlib.sha256(str(path).encode() + b"\0" + path.read_bytes()).hexdigest()[:16]
    key = f"_policies_{name}_{digest}"
    module = sys.modules.get(key)
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location(key, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[key]
        raise
    return module
