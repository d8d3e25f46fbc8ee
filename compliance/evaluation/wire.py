"""The monitor's wire format <-> graph values: protobuf Struct as Python, secrets, unknowns, assets.

Gate side. A program's registered properties arrive as protobuf Structs holding Pulumi's signature
objects (secrets, resource references, assets, output values); `sanitize` turns them into the JSON
values a StackGraph holds: secrets -> SECRET, unknowns -> None, references -> URN, file assets ->
`{"path": <relative>, "hash": <sha256>}` hashed only inside the repository.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.model import SECRET

__all__ = [
    "ARCHIVE_SIG",
    "ASSET_SIG",
    "OUTPUT_SIG",
    "RESOURCE_SIG",
    "SECRET_SIG",
    "SIG",
    "UNKNOWN",
    "AssetHasher",
    "mask_keys",
    "sanitize",
    "sanitize_for_call",
    "struct_to_py",
    "to_struct",
    "value_to_py",
    "wrap_secrets",
]

SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def struct_to_py(struct: Any) -> dict[str, Any]:
    """A protobuf Struct as plain Python (wire form: secret/resource signature objects kept)."""
    return {key: value_to_py(value) for key, value in struct.fields.items()}


def value_to_py(value: Any) -> Any:
    """One protobuf Value as plain Python; integral numbers become ints."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "struct_value":
        return struct_to_py(value.struct_value)
    if kind == "list_value":
        return [value_to_py(v) for v in value.list_value.values]
    if kind == "bool_value":
        return value.bool_value
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return None


def to_struct(value: dict[str, Any]) -> Any:
    """Plain Python -> protobuf Struct."""
    from google.protobuf import struct_pb2

    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


@dataclass
class AssetHasher:
    """Hashes FileAsset/FileArchive paths of one program, only inside `root`, never through a symlink out.

    `cwd` is the program's working directory (relative asset paths are relative to it). A path that
    leaves `root` (absolute elsewhere, `..`, or a symlink pointing out) gets no hash and a note.
    """

    cwd: Path
    root: Path
    _hashes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def _inside(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self.root)

    def lexical(self, path: str) -> Path:
        """The asset path made absolute without following symlinks."""
        return Path(os.path.normpath(self.cwd / path))

    def relative(self, path: str) -> str:
        """The asset path relative to the root (POSIX), absolute when outside it."""
        full = self.lexical(path)
        return full.relative_to(self.root).as_posix() if full.is_relative_to(self.root) else full.as_posix()

    def hash(self, path: str) -> tuple[str | None, str | None]:
        """(sha256 or None, note or None) of a file, or of a directory's files (names and contents)."""
        if path not in self._hashes:
            self._hashes[path] = self._compute(path)
        return self._hashes[path]

    def _compute(self, path: str) -> tuple[str | None, str | None]:
        target = self.lexical(path)
        if not target.is_relative_to(self.root) or not self._inside(target):
            return None, "outside the repository: not read or hashed"
        digest = hashlib.sha256()
        if target.is_file():
            digest.update(target.read_bytes())
            return digest.hexdigest(), None
        if not target.is_dir():
            return None, None
        skipped = False
        for file in sorted(target.rglob("*")):
            if not file.is_file():
                continue
            if not self._inside(file):
                skipped = True
                continue
            digest.update(file.relative_to(target).as_posix().encode() + b"\0" + file.read_bytes())
        note = "links out of the repository were not read or hashed" if skipped else None
        return digest.hexdigest(), note


def sanitize(
    value: Any,
    placeholders: frozenset[str] = frozenset(),
    assets: AssetHasher | None = None,
) -> Any:
    """Wire-form value -> JSON-safe graph value: secrets -> SECRET, unknowns -> None, refs -> URN.

    Strings that contain a secret config placeholder are masked too (a plain `config.get` of a
    secure key). File assets/archives become `{"path": <relative>, "hash": <sha256>}`.
    """
    if isinstance(value, str):
        if value == UNKNOWN:
            return None
        if placeholders and any(p in value for p in placeholders):
            return SECRET
        return value
    if isinstance(value, list):
        return [sanitize(v, placeholders, assets) for v in value]
    if isinstance(value, dict):
        sig = value.get(SIG)
        if sig is None:
            return {k: sanitize(value[k], placeholders, assets) for k in sorted(value)}
        if sig == SECRET_SIG:
            return SECRET
        if sig == RESOURCE_SIG:
            return value.get("urn")
        if sig == OUTPUT_SIG:
            if value.get("secret"):
                return SECRET
            return sanitize(value.get("value"), placeholders, assets)
        if sig in (ASSET_SIG, ARCHIVE_SIG):
            out = {k: sanitize(v, placeholders, assets) for k, v in sorted(value.items()) if k != SIG}
            path = out.get("path")
            if isinstance(path, str) and assets is not None:
                digest, note = assets.hash(path)
                out["hash"] = digest
                out["path"] = assets.relative(path)
                if note:
                    out["note"] = note
            return out
        return None
    return value


def mask_keys(props: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """Replace the top-level properties listed in `names` (additionalSecretOutputs) with SECRET."""
    for name in names:
        if name in props and props[name] is not None:
            props[name] = SECRET
    return props


def wrap_secrets(value: Any) -> Any:
    """Referenced-stack outputs: values masked as SECRET upstream stay secret downstream."""
    if value == SECRET:
        return {SIG: SECRET_SIG, "value": SECRET}
    if isinstance(value, list):
        return [wrap_secrets(v) for v in value]
    if isinstance(value, dict):
        return {k: wrap_secrets(v) for k, v in value.items()}
    return value


def sanitize_for_call(value: Any) -> Any:
    """Invoke arguments: unwrap secrets (the call result only goes back to the program)."""
    if isinstance(value, list):
        return [sanitize_for_call(v) for v in value]
    if isinstance(value, dict):
        if value.get(SIG) == SECRET_SIG:
            return sanitize_for_call(value.get("value"))
        return {k: sanitize_for_call(v) for k, v in value.items()}
    return value
