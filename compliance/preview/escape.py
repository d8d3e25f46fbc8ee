"""Markdown for untrusted strings (resource names, values): never a link, mention, HTML or table break.

Every user string goes into a code span (GitHub renders no links or @mentions inside code), with
backticks replaced and pipes escaped so a table cell cannot be split; inside HTML (`<summary>`) it
goes into `<code>` with HTML escaped.
"""

from __future__ import annotations

import html
import json
from typing import Any

__all__ = ["code", "html_code", "value_code"]

_MAX_CELL = 200


def _flat(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = " ".join(text.split()).replace("`", "'")
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def code(value: Any) -> str:
    """`value` as an inline code span safe in a Markdown table cell (empty string -> `""`)."""
    text = _flat(value).replace("|", "\\|")
    return f"`{text}`" if text.strip() else '`""`'


def value_code(value: Any) -> str:
    """A property or output value: `null` for none, JSON for objects, the string itself otherwise."""
    if value is None:
        return "_none_"
    return code(value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str))


def html_code(value: Any) -> str:
    """`value` inside an HTML element (e.g. `<summary>`): `<code>` with the text HTML-escaped."""
    return f"<code>{html.escape(_flat(value), quote=True)}</code>"
