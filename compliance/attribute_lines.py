"""The line of the keyword argument that set the attribute a check evaluated.

Checkov records which Terraform attributes a check looked at (`evaluated_keys`, e.g.
`tracing_config/[0]/mode`). Each is mapped back to the Pulumi property and its Python keyword
(`tracing_config`) through the bridge's schema, then found among the keyword arguments of the call
at the resource's position: the resource's own call, or, for a resource inside a component, the
component call in the stack program (which passed a keyword of that name). When no such keyword is
there (the attribute was left out, or set inside the component), the call's line stands.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from compliance.model import Resource, SourcePosition
from compliance.source_files import read_source

__all__ = ["AttributeLines", "keyword_line", "preparse", "python_keywords"]


def _top_attributes(evaluated_keys: Iterable[str]) -> list[str]:
    """`tracing_config/[0]/mode` -> `tracing_config`; in order, without duplicates."""
    seen: list[str] = []
    for key in evaluated_keys:
        first = str(key).split("/", 1)[0].strip()
        if first and not first.startswith("[") and first not in seen:
            seen.append(first)
    return seen


@functools.cache
def _keyword_of(token: str, tf_type: str) -> dict[str, str]:
    """Terraform attribute name -> Python keyword, for one pulumi-aws resource type."""
    from compliance import mapping

    try:
        key = mapping.args_key(token)
        if key is None:
            return {}
        fields = mapping.fields(key, tf_type)
        raw = mapping.raw_fields(key)
    except Exception:  # pulumi_aws unavailable or an unexpected class shape: keywords = TF names
        return {}
    return {field.tf_name: str(raw[name][0]) for name, field in fields.items() if name in raw}


def python_keywords(token: str, tf_type: str, evaluated_keys: Iterable[str]) -> list[str]:
    """The Python keyword arguments that set the evaluated Terraform attributes, in order."""
    table = _keyword_of(token, tf_type)
    out: list[str] = []
    for attribute in _top_attributes(evaluated_keys):
        keyword = table.get(attribute, attribute)
        if keyword not in out:
            out.append(keyword)
    return out


class _Calls:
    """The calls of one parsed file, indexed by the line they start on."""

    def __init__(self, tree: ast.AST) -> None:
        self.starting: dict[int, ast.Call] = {}
        self.calls: list[ast.Call] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                self.calls.append(node)
                known = self.starting.get(node.lineno)
                if known is None or _span(node) > _span(known):
                    self.starting[node.lineno] = node  # the outermost call starting on the line

    def at(self, line: int) -> ast.Call | None:
        """The call starting at `line`, else the innermost call spanning it."""
        if line in self.starting:
            return self.starting[line]
        spanning = [c for c in self.calls if c.lineno <= line <= (c.end_lineno or c.lineno)]
        return min(spanning, key=_span) if spanning else None


def _span(node: ast.AST) -> int:
    return (getattr(node, "end_lineno", None) or node.lineno) - node.lineno  # type: ignore[attr-defined]


def _find(call: ast.Call, keyword: str) -> int | None:
    """Line of `keyword=` in `call`, else in an args object passed to it (`FunctionArgs(...)`)."""
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.lineno
    nested = [a for a in call.args if isinstance(a, ast.Call)]
    nested += [
        kw.value for kw in call.keywords if isinstance(kw.value, ast.Call) and kw.arg in (None, "args")
    ]
    for inner in nested:
        found = _find(inner, keyword)
        if found is not None:
            return found
    return None


def keyword_line(calls: _Calls, line: int, keywords: Sequence[str]) -> int | None:
    """Line of the first of `keywords` passed to the call at `line` (None: none of them is there)."""
    call = calls.at(line)
    if call is None:
        return None
    for keyword in keywords:
        found = _find(call, keyword)
        if found is not None:
            return found
    return None


def _parse(data: bytes | None, file: str) -> _Calls | None:
    try:
        tree = ast.parse(data, filename=file) if data is not None else None
    except (SyntaxError, ValueError):
        tree = None
    return _Calls(tree) if tree is not None else None


MAX_PREPARSED = 64
_PREPARSED: dict[bytes, _Calls | None] = {}
"""Files parsed ahead of the check phase (`preparse`), by their bytes: used once, if unchanged."""


def preparse(root: Path, files: Iterable[Path]) -> Iterator[None]:
    """Parse Python files now, one per step, for a later AttributeLines (the check process does this
    while the programs run). A lookup uses the result only if the file's bytes are the same then."""
    for path in files:
        if len(_PREPARSED) >= MAX_PREPARSED:
            return
        data = read_source(root, str(path))
        if data is not None and data not in _PREPARSED:
            _PREPARSED[data] = _parse(data, str(path))
        yield


class AttributeLines:
    """Finds keyword lines in the Python files of one repository (each file parsed once)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._files: dict[str, _Calls | None] = {}

    def _calls(self, file: str) -> _Calls | None:
        if file not in self._files:
            data = read_source(self.root, file)
            if data is not None and data in _PREPARSED:
                self._files[file] = _PREPARSED.pop(data)
            else:
                self._files[file] = _parse(data, file)
        return self._files[file]

    def line_for(
        self, resource: Resource, position: SourcePosition, tf_type: str, evaluated_keys: Iterable[str]
    ) -> int | None:
        """The line of the keyword that set one of `evaluated_keys` in the call at `position`."""
        keywords = python_keywords(resource.type, tf_type, evaluated_keys)
        if not keywords:
            return None
        calls = self._calls(position.file)
        return keyword_line(calls, position.line, keywords) if calls is not None else None
