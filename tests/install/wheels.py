"""Tiny wheels written by hand, so `gitops install` tests need no registry and no build backend."""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(
    wheelhouse: Path,
    name: str,
    version: str,
    *,
    modules: Mapping[str, str] | None = None,
    requires: Sequence[str] = (),
) -> Path:
    """Write `<name>-<version>-py3-none-any.whl` into `wheelhouse` and return its path.

    `modules` maps file paths inside the wheel (e.g. `acme_tags/__init__.py`) to their source; by
    default one module named after the distribution defines VERSION."""
    dist = re.sub(r"[-_.]+", "_", name).lower()
    modules = modules or {f"{dist}/__init__.py": f"VERSION = {version!r}\n"}
    info = f"{dist}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {req}\n" for req in requires)
    files: dict[str, bytes] = {path: source.encode() for path, source in modules.items()}
    files[f"{info}/METADATA"] = metadata.encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    wheelhouse.mkdir(parents=True, exist_ok=True)
    target = wheelhouse / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return target
