"""The bridge's schema file: one zip archive, read one pulumi-aws service at a time.

`python -m compliance.mapping` generates the schema (every resource token's Terraform type and args
class, every args class's fields and Terraform names) as one dict; `store` writes it as a zip
archive with `meta.json`, `types.json` and one `classes/<service>.json` per pulumi-aws service
module, and `load` opens it reading only `meta.json` and `types.json`. A class's fields are decoded
when the bridge first asks for a class of that service: a program using five services decodes five
small members, not the whole provider (a 4.6 MB JSON document, whose decoding held the gate's GIL
for a third of a second while the program waited on the monitor).
"""

from __future__ import annotations

import functools
import json
import threading
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compliance.gc_pause import gc_paused

__all__ = ["StoredSchema", "load", "service_of", "store"]

_STAMP = (1980, 1, 1, 0, 0, 0)  # a fixed member time: regenerating the same schema gives the same bytes


def service_of(key: str) -> str:
    """The service an args class key belongs to: `pulumi_aws.s3._inputs:BucketArgs` -> `s3`."""
    parts = key.split(":", 1)[0].split(".")
    return parts[1] if len(parts) > 1 else "_root"


class StoredSchema:
    """An opened schema file: `version`, `types` (token -> [tf type, args key]) and lazy class lookups."""

    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(path)
        self._lock = threading.Lock()
        self.version: str = json.loads(self._zip.read("meta.json"))["version"]
        self.types: dict[str, list[Any]] = json.loads(self._zip.read("types.json"))

    @functools.cache  # noqa: B019 - one instance per file for the process's life (see `load`)
    def _service(self, service: str) -> dict[str, dict[str, Any]]:
        name = f"classes/{service}.json"
        with self._lock:  # one reader of the shared archive at a time
            if name not in self._zip.NameToInfo:
                return {"classes": {}, "tf_names": {}}
            data = self._zip.read(name)
        with gc_paused():  # decoding allocates thousands of containers: no collection walking the heap
            parsed: dict[str, dict[str, Any]] = json.loads(data)
        return parsed

    def class_fields(self, key: str) -> dict[str, list[Any]] | None:
        """Pulumi property -> [python name, kind, nested class key] of an args class; None if absent."""
        return self._service(service_of(key))["classes"].get(key)

    def tf_names(self, key: str) -> dict[str, str] | None:
        """Pulumi property -> Terraform name of an args class, when recorded; None otherwise."""
        return self._service(service_of(key))["tf_names"].get(key)

    def as_dict(self) -> dict[str, Any]:
        """The whole schema as `generate_schema` made it (decodes every service: tests and tools only)."""
        classes: dict[str, Any] = {}
        tf_names: dict[str, Any] = {}
        for name in self._zip.namelist():
            if name.startswith("classes/"):
                part = self._service(name.removeprefix("classes/").removesuffix(".json"))
                classes.update(part["classes"])
                tf_names.update(part["tf_names"])
        out: dict[str, Any] = {"version": self.version, "types": self.types, "classes": classes}
        if tf_names:
            out["tf_names"] = tf_names
        return out


@functools.cache
def load(path: Path) -> StoredSchema | None:
    """The schema file at `path`, opened once per process; None when there is none."""
    return StoredSchema(path) if path.is_file() else None


def store(schema: Mapping[str, Any], path: Path) -> Path:
    """Write a generated schema dict to `path` as the per-service zip archive `load` reads."""
    services: dict[str, dict[str, dict[str, Any]]] = {}
    for section in ("classes", "tf_names"):
        for key, value in schema.get(section, {}).items():
            part = services.setdefault(service_of(key), {"classes": {}, "tf_names": {}})
            part[section][key] = value
    members = {
        "meta.json": {"version": schema["version"]},
        "types.json": schema["types"],
        **{f"classes/{service}.json": part for service, part in services.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            data = json.dumps(members[name], sort_keys=True, separators=(",", ":"))
            archive.writestr(info, data, compresslevel=9)
    return path
