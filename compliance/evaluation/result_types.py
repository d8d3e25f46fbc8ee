"""The result type of a provider function (invoke), read from the provider SDK's generated source.

`aws:ec2/getAmi:getAmi` -> `pulumi_aws/ec2/get_ami.py`, class `GetAmiResult`: each `@pulumi.getter`
property gives a wire name (`name=` or the Python name) and its return annotation a type. Nested
types (`outputs.GetAmiFilterResult`) are read from the module's `outputs.py` when needed. The
source is parsed, not imported: importing `pulumi_aws.ec2`'s outputs takes most of a second, reading
one class takes milliseconds; the gate process stays free of provider modules. Lookups are cached.
"""

from __future__ import annotations

import ast
import functools
import importlib.machinery
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Union

__all__ = [
    "Field",
    "ListOf",
    "MapOf",
    "ObjectType",
    "TypeSpec",
    "camel_to_snake",
    "function_file",
    "result_type",
]


@dataclass(frozen=True)
class ListOf:
    item: TypeSpec


@dataclass(frozen=True)
class MapOf:
    value: TypeSpec


@dataclass(frozen=True)
class ObjectType:
    """A named output type; its fields are read on first use (`fields`)."""

    name: str
    source: Path  # the outputs.py (or function file) defining it

    @property
    def fields(self) -> tuple[Field, ...]:
        return _class_fields(self.source, self.name) or ()


TypeSpec = Union[str, ListOf, MapOf, ObjectType]  # noqa: UP007 - a runtime alias; str: str|bool|int|float|any


@dataclass(frozen=True)
class Field:
    """One property of a result type: wire name (camelCase), Python name, type."""

    wire: str
    python: str
    type: TypeSpec


def camel_to_snake(name: str) -> str:
    """`getAvailabilityZones` -> `get_availability_zones` (the SDK's file and function names)."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


@functools.lru_cache(maxsize=16)
def _package_dir(package: str, sdk_path: tuple[str, ...] | None) -> Path | None:
    name = f"pulumi_{package.replace('-', '_')}"
    try:
        if sdk_path is None:
            spec = importlib.util.find_spec(name)
        else:
            spec = importlib.machinery.PathFinder.find_spec(name, list(sdk_path))
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def function_file(token: str, sdk_path: tuple[str, ...] | None = None) -> tuple[Path, str] | None:
    """(generated source file, result class name) of invoke `token`, if the SDK is installed
    (in `sdk_path`, e.g. the program's site-packages, else where this interpreter finds it)."""
    pieces = token.split(":")
    if len(pieces) != 3:
        return None
    package, module_path, function = pieces
    root = _package_dir(package, sdk_path)
    if root is None or not function:
        return None
    module = module_path.split("/")[0]
    # `lambda` is `lambda_` in the Python SDK (a keyword); other modules are lower-cased tokens
    candidates = [root] if module in ("index", "") else [root / m for m in (module.lower(), f"{module}_")]
    for directory in candidates:
        source = directory / f"{camel_to_snake(function)}.py"
        if source.is_file():
            return source, f"{function[0].upper()}{function[1:]}Result"
    return None


@functools.lru_cache(maxsize=64)
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _class_block(text: str, name: str) -> str | None:
    start = re.search(rf"^class {re.escape(name)}\b[^\n]*:\n", text, re.MULTILINE)
    if start is None:
        return None
    end = re.compile(r"^\S", re.MULTILINE).search(text, start.end())
    return text[start.start() : end.start() if end else len(text)]


_SCALARS = {"str": "str", "bool": "bool", "int": "int", "float": "float", "Any": "any", "object": "any"}


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _type(node: ast.expr | None, source: Path) -> TypeSpec:
    if node is None:
        return "any"
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _type(ast.parse(node.value, mode="eval").body, source)
        except SyntaxError:
            return "any"
    if isinstance(node, ast.Subscript):
        base = _last_name(node.value)
        inner = node.slice
        if base == "Optional":
            return _type(inner, source)
        if base in ("Sequence", "List", "list"):
            return ListOf(_type(inner, source))
        if base in ("Mapping", "Dict", "dict") and isinstance(inner, ast.Tuple) and len(inner.elts) == 2:
            return MapOf(_type(inner.elts[1], source))
        return "any"
    name = _last_name(node)
    if name is None:
        return "any"
    if name in _SCALARS:
        return _SCALARS[name]
    if name[:1].isupper():
        return ObjectType(name, source.parent / "outputs.py")
    return "any"


def _getter_name(decorators: list[ast.expr]) -> str | bool | None:
    """The `name=` of a `@pulumi.getter(...)` decorator; True for a bare `@pulumi.getter`."""
    for decorator in decorators:
        if isinstance(decorator, ast.Call) and _last_name(decorator.func) == "getter":
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
            return True
        if _last_name(decorator) == "getter":
            return True
    return None


@functools.lru_cache(maxsize=1024)
def _class_fields(source: Path, name: str) -> tuple[Field, ...] | None:
    try:
        block = _class_block(_read(source), name)
    except OSError:
        return None
    if block is None:
        return None
    try:
        tree = ast.parse(block)
    except SyntaxError:
        return None
    cls = tree.body[0]
    if not isinstance(cls, ast.ClassDef):
        return None
    fields = []
    for item in cls.body:
        if not isinstance(item, ast.FunctionDef):
            continue
        getter = _getter_name(item.decorator_list)
        if getter is None:
            continue
        wire = getter if isinstance(getter, str) else item.name
        fields.append(Field(wire=wire, python=item.name, type=_type(item.returns, source)))
    return tuple(fields)


@functools.lru_cache(maxsize=512)
def result_type(token: str, sdk_path: tuple[str, ...] | None = None) -> tuple[Field, ...] | None:
    """The fields of invoke `token`'s result type, or None when its SDK or class is not found.

    `sdk_path`: directories to find the provider SDK in (the program's own site-packages, so a
    program on pulumi-aws 6.x gets 6.x's result types); None: this interpreter's."""
    located = function_file(token, sdk_path)
    if located is None:
        return None
    return _class_fields(*located)
