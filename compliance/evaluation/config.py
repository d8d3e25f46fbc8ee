"""A stack's config as the program sees it: PULUMI_CONFIG values, secret placeholders, positions.

`secure:` values never reach the program: each is replaced by a placeholder marked secret, and any
string that carries a placeholder is masked in the graph.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compliance.errors import ConfigError
from compliance.model import SourcePosition

__all__ = [
    "apply_overrides",
    "config_position",
    "config_values",
    "parse_overrides",
    "placeholder_for",
    "relative",
]


def relative(path: Path, root: Path | None) -> str:
    """`path` relative to `root` (POSIX), or as given when outside it."""
    resolved = path.resolve()
    if root is not None:
        with contextlib.suppress(ValueError):
            return resolved.relative_to(root).as_posix() or "."
    return str(path)


def placeholder_for(key: str) -> str:
    """The stand-in value a program sees for the secure config `key` (never the ciphertext)."""
    return f"offline-secret-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _replace_secure(value: Any, placeholder: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return placeholder
        return {k: _replace_secure(v, placeholder) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_secure(v, placeholder) for v in value]
    return value


def config_values(config: Mapping[str, Any]) -> tuple[dict[str, str], list[str], list[str]]:
    """Stack config -> (PULUMI_CONFIG strings, secret keys, placeholders used for secrets).

    Strings stay as they are, booleans/numbers become their YAML spelling, objects and lists JSON.
    """
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    placeholders: list[str] = []
    for key, raw in config.items():
        value = raw
        if _has_secure(raw):
            placeholder = placeholder_for(key)
            value = _replace_secure(raw, placeholder)
            secret_keys.append(key)
            placeholders.append(placeholder)
        if isinstance(value, str):
            values[key] = value
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"
        elif value is None:
            values[key] = ""
        elif isinstance(value, int | float):
            values[key] = str(value)
        else:
            values[key] = json.dumps(value)
    return values, sorted(secret_keys), sorted(placeholders)


def parse_overrides(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`--config KEY=VALUE` arguments -> {KEY: VALUE} (ConfigError naming a malformed one)."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--config {item!r}: expected KEY=VALUE, e.g. --config myproject:dbName=orders")
        out[key.strip()] = value
    return out


def apply_overrides(config: Mapping[str, Any], overrides: Mapping[str, str], project: str) -> dict[str, Any]:
    """`config` with command-line values on top; a key without namespace belongs to `project`."""
    merged = dict(config)
    for key, value in overrides.items():
        merged[key if ":" in key else f"{project}:{key}"] = value
    return merged


def config_position(project_dir: Path, env: str, key: str, root: Path | None) -> SourcePosition | None:
    """The line that sets config `key`: in Pulumi.<env>.yaml, else in Pulumi.yaml's config defaults."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*:")
    for name in (f"Pulumi.{env}.yaml", "Pulumi.yaml"):
        path = project_dir / name
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.match(line):
                return SourcePosition(file=relative(path, root), line=number)
    return None
