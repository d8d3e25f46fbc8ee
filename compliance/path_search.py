"""dpath's `search` and `get`, without walking the parts of a document a glob cannot reach.

Checkov's value checks look an attribute up with `dpath.search(conf, "versioning/[0]/enabled")`
and `dpath.get(conf, ...)` (checkov.terraform.checks.resource.base_resource_value_check), and its
graph builder does the same. dpath answers each call by walking every node of the resource's
configuration and matching each path against the glob: about half of the resource checks' time at
700 resources. A glob without `**` can only match paths of its own length whose every prefix
matches the glob's prefix, so `search` and `get` here descend only into such prefixes; everything
else, including what they return, is dpath's own (same walk order, same matching, same result
building). Globs with `**`, and documents with an empty-string key (where dpath's walk raises),
go to dpath itself.

`install()` puts them in place of `dpath.search` and `dpath.get` (Checkov calls them through the
module); the check process does it when it loads Checkov.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dpath
from dpath import options, segments

__all__ = ["get", "install", "search"]

_SENTINEL: Any = getattr(dpath, "_DEFAULT_SENTINEL", object())
_ORIGINAL_SEARCH: Callable[..., Any] = dpath.search
_ORIGINAL_GET: Callable[..., Any] = dpath.get


def _empty(key: Any) -> bool:
    try:
        return len(key) == 0
    except TypeError:
        return False


def _has_empty_key(node: Any) -> bool:
    """Whether dpath's walk of `node` would meet an empty key (and raise InvalidKeyName)."""
    if isinstance(node, dict):
        return any(_empty(k) or _has_empty_key(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_has_empty_key(v) for v in node)
    if segments.leaf(node):
        return False
    return any(_empty(k) or _has_empty_key(v) for k, v in segments.make_walkable(node))


def _walk(node: Any, glob: tuple[Any, ...], location: tuple[Any, ...] = ()) -> Iterator[tuple[Any, Any]]:
    """`segments.walk(node)` restricted to the paths that may match `glob` (no `**`), in its order."""
    depth = len(location)
    if depth >= len(glob) or segments.leaf(node):
        return
    prefix = glob[: depth + 1]
    matching = [
        (path, value)
        for key, value in segments.make_walkable(node)
        if segments.match(path := (*location, key), prefix)
    ]
    yield from matching
    for path, value in matching:
        yield from _walk(value, glob, path)


def _pruned(obj: Any, glob: Any, separator: str) -> tuple[Any, ...] | None:
    """The glob's segments when the pruned walk gives dpath's answer, else None."""
    split = tuple(dpath._split_path(glob, separator))
    if "**" in split or (not options.ALLOW_EMPTY_STRING_KEYS and _has_empty_key(obj)):
        return None
    return split


def search(
    obj: Any,
    glob: Any,
    yielded: bool = False,
    separator: str = "/",
    afilter: Callable[[Any], bool] | None = None,
    dirs: bool = True,
) -> Any:
    """dpath.search: the paths of `obj` matching `glob`, as a dict of the same shape or yielded."""
    split = _pruned(obj, glob, separator)
    if split is None:
        return _ORIGINAL_SEARCH(obj, glob, yielded, separator, afilter, dirs)

    def keeper(path: Sequence[Any], found: Any) -> bool:
        if not dirs and not segments.leaf(found):
            return False
        matched = segments.match(path, split)
        selected = afilter and afilter(found)
        return bool((matched and not afilter) or (matched and selected))

    if yielded:

        def yielder() -> Iterator[tuple[str, Any]]:
            for path, found in _walk(obj, split):
                if keeper(path, found):
                    yield separator.join(map(segments.int_str, path)), found

        return yielder()
    result: dict[Any, Any] = {}
    for path, found in _walk(obj, split):
        if keeper(path, found):
            segments.set(result, path, found, hints=segments.types(obj, path))
    return result


def get(obj: Any, glob: Any, separator: str = "/", default: Any = _SENTINEL) -> Any:
    """dpath.get: the one value matching `glob` (KeyError if none, unless `default`; ValueError if
    several)."""
    split = None if glob == "/" else _pruned(obj, glob, separator)
    if split is None:
        if default is _SENTINEL:
            return _ORIGINAL_GET(obj, glob, separator)
        return _ORIGINAL_GET(obj, glob, separator, default)
    results: list[Any] = []
    for path, found in _walk(obj, split):
        if segments.match(path, split):
            results.append(found)
        if len(results) > 1:
            break
    if not results:
        if default is not _SENTINEL:
            return default
        raise KeyError(glob)
    if len(results) > 1:
        raise ValueError(f"dpath.get() globs must match only one leaf: {glob}")
    return results[0]


def install() -> None:
    """Use `search` and `get` wherever dpath's are called through the module (Checkov does)."""
    dpath.search = search
    dpath.get = get
