"""Terraform attribute and block names from the AWS provider's own schema, for the bridge's generator.

pulumi-aws names each property after the Terraform attribute (camelCased; list blocks pluralised),
but the Terraform name itself is not in the Python SDK. CDK for Terraform's prebuilt AWS provider
(`@cdktf/provider-aws` on npm) is generated from the same provider schema and spells every
attribute and block in its `...ToTerraform` functions. `names_from_cdktf(package_dir)` reads them:
Terraform type -> tree of names (a nested block's names under its own name; attributes -> None).

Used only by `python -m compliance.mapping --provider-names DIR` when regenerating
compliance/tf_schema/aws.json.gz; the gate itself never reads the npm package.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["NameTree", "names_from_cdktf", "resolve"]

NameTree = dict[str, "NameTree | None"]

_RESOURCE_TYPE = re.compile(r'tfResourceType = "(aws_[a-z0-9_]+)"')
_FUNCTION = re.compile(r"^function (\w+)ToTerraform\(struct\) \{(.*?)^\}", re.S | re.M)
_RETURN = re.compile(r"return \{\n(.*?)\n\s*\};", re.S)
_SYNTH = re.compile(r"synthesizeAttributes\(\) \{\s*return \{\n(.*?)\n\s*\};", re.S)
_ENTRY = re.compile(r"^\s*([a-z0-9_]+): (.*?),?$", re.M)
_CHILD = re.compile(r"\b(\w+)ToTerraform\b")


def _entries(body: str) -> dict[str, str | None]:
    """`name: expression` lines of a returned object literal -> name -> nested struct function or None."""
    out: dict[str, str | None] = {}
    for name, expression in _ENTRY.findall(body):
        child = next((c for c in _CHILD.findall(expression) if not c.startswith(("cdktf", "string"))), None)
        out[name] = child if child and child[0].islower() and child not in _SCALARS else None
    return out


_SCALARS = frozenset({"string", "number", "boolean", "listMapper", "hashMapper", "numberList", "stringList"})


def _tree(fn: str | None, structs: dict[str, dict[str, str | None]], depth: int = 0) -> NameTree | None:
    if fn is None or fn not in structs or depth > 12:
        return None
    return {name: _tree(child, structs, depth + 1) for name, child in structs[fn].items()}


def parse_module(text: str) -> tuple[str, NameTree] | None:
    """(Terraform type, name tree) of one cdktf resource module's JavaScript, or None (a data source)."""
    found = _RESOURCE_TYPE.search(text)
    synth = _SYNTH.search(text)
    if found is None or synth is None or "extends cdktf.TerraformDataSource" in text:
        return None
    structs: dict[str, dict[str, str | None]] = {}
    for name, body in _FUNCTION.findall(text):
        returned = _RETURN.search(body)
        if returned is not None:
            structs[name] = _entries(returned.group(1))
    top = {name: _tree(child, structs) for name, child in _entries(synth.group(1)).items()}
    return found.group(1), top


def names_from_cdktf(package_dir: Path) -> dict[str, NameTree]:
    """Every AWS resource type of an unpacked `@cdktf/provider-aws` package -> its name tree."""
    out: dict[str, NameTree] = {}
    for module in sorted((package_dir / "lib").glob("*/index.js")):
        parsed = parse_module(module.read_text(encoding="utf-8"))
        if parsed is not None:
            out[parsed[0]] = parsed[1]
    return out


def _candidates(snake: str) -> list[str]:
    """Terraform spellings a pulumi-aws property name (snake_case) may come from, most likely first.

    Pulumi pluralises list blocks: `rule` -> `rules`, `policy` -> `policies`, `alias` -> `aliases`,
    `kinesis` -> `kineses`, `status` -> `statuses`; names already plural in Terraform stay as they are.
    """
    out = [snake]
    if snake.endswith("ies"):
        out.append(snake[:-3] + "y")
    if snake.endswith("es"):
        out += [snake[:-2], snake[:-2] + "is"]
    if snake.endswith("s"):
        out.append(snake[:-1])
    if snake.endswith("ves"):
        out += [snake[:-3] + "f", snake[:-3] + "fe"]
    if snake.endswith("ren"):
        out.append(snake[:-3])
    return out


def resolve(snake: str, names: NameTree) -> str | None:
    """The Terraform name in `names` that the pulumi-aws property `snake` was made from, if any."""
    return next((c for c in _candidates(snake) if c in names), None)
