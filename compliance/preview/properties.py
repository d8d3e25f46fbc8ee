"""Changed input properties of one resource: nested paths as the program spells them, short values.

Pulumi registers inputs under their wire names (`domainName`); paths use the Python names of the
pulumi-aws args classes (`origins[0].domain_name`), found in the bridge's schema. Keys of maps
(tags, environment variables) and of JSON documents stay as written. Secrets are already masked
as `[secret]` in the graph and stay so.
"""

from __future__ import annotations

import json
import re
from typing import Any

from compliance.mapping import args_key, camel_to_snake, raw_fields
from compliance.model import SECRET
from compliance.preview.model import PropertyChange

__all__ = ["MAX_VALUE_CHARS", "property_changes", "short_value"]

MAX_VALUE_CHARS = 80
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEX_DIGEST = re.compile(r"^[0-9a-f]{40,}$")


def short_value(value: Any, limit: int = MAX_VALUE_CHARS) -> Any:
    """`value` as shown in a preview: scalars kept, long strings, digests and objects shortened."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if value == SECRET:
            return value
        if _HEX_DIGEST.match(value):
            return value[:12] + "…"
        text = value
    else:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
        if len(text) <= limit:
            return value
    if len(text) <= limit:
        return text
    return f"{text[: limit - 20]}… ({len(text)} chars)"


def _fields(key: str | None) -> dict[str, list[Any]]:
    if key is None:
        return {}
    try:
        return raw_fields(key)
    except (ImportError, AttributeError, KeyError, ValueError):
        return {}


def _join(path: str, name: str) -> str:
    if _IDENTIFIER.match(name):
        return f"{path}.{name}" if path else name
    return f"{path}[{json.dumps(name)}]"


def _walk(
    before: Any, after: Any, path: str, schema: str | None, known: bool, out: list[PropertyChange]
) -> None:
    """Append the differences between `before` and `after` under `path`.

    `schema`: args class key of this object (property names are wire names to translate); `known`:
    whether names here are wire names at all (False inside maps and JSON documents).
    """
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        fields = _fields(schema) if known else {}
        for name in sorted(set(before) | set(after)):
            if name.startswith("__"):
                continue
            field = fields.get(name)
            if field is not None:
                shown, kind, nested = field[0], field[1], field[2]
            elif known:
                shown, kind, nested = camel_to_snake(name), "scalar", None
            else:
                shown, kind, nested = name, "scalar", None
            child_known = known and kind in ("block", "blocks")
            _walk(before.get(name), after.get(name), _join(path, shown), nested, child_known, out)
        return
    if isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            old = before[index] if index < len(before) else None
            new = after[index] if index < len(after) else None
            _walk(old, new, f"{path}[{index}]", schema, known, out)
        return
    out.append(PropertyChange(path=path or "(value)", before=short_value(before), after=short_value(after)))


def property_changes(type_token: str, before: dict[str, Any], after: dict[str, Any]) -> list[PropertyChange]:
    """The input properties that differ between two registrations of a resource of `type_token`."""
    out: list[PropertyChange] = []
    key = args_key(type_token) if type_token.startswith("aws:") else None
    _walk(before, after, "", key, key is not None, out)
    return out
