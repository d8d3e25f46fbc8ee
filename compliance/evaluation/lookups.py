"""Pinned lookup results (`gitops-lookups.yaml` next to Pulumi.yaml) and errors a lookup caused.

```yaml
lookups:
  - function: aws.ec2.get_ami          # or the token aws:ec2/getAmi:getAmi
    args: {owners: [amazon]}           # optional: only calls with these arguments (a subset)
    result: {image_id: ami-0abcdef1234567890, architecture: arm64}
```

Argument and result keys may be Python (`image_id`) or wire names (`imageId`). The first entry whose
function and args match a call wins; its result fields replace the made-up ones, the rest stay.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from compliance.errors import ConfigError
from compliance.source_files import read_source

__all__ = [
    "PINS_FILE",
    "LookupCall",
    "LookupPin",
    "LookupPins",
    "explain_lookup_error",
    "function_name",
    "function_token",
    "load_lookup_pins",
]

PINS_FILE = "gitops-lookups.yaml"
_TOKEN = re.compile(r"^[a-z][a-z0-9-]*:[A-Za-z0-9_]+(/[A-Za-z0-9_]+)?:[A-Za-z0-9_]+$")
_DOTTED = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.(get_?[A-Za-z0-9_]*)$")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _wire_keys(value: Any) -> Any:
    """Dict keys as wire names (snake_case -> camelCase), recursively."""
    if isinstance(value, dict):
        return {_camel(str(k)): _wire_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire_keys(v) for v in value]
    return value


def function_token(name: str) -> str:
    """`aws.ec2.get_ami` (or `aws:ec2/getAmi:getAmi`) -> `aws:ec2/getAmi:getAmi`; ValueError otherwise."""
    if _TOKEN.match(name):
        return name
    match = _DOTTED.match(name)
    if not match:
        raise ValueError(name)
    package, *modules = name.split(".")[:-1]
    function = _camel(match.group(2))
    module = modules[0].rstrip("_") if modules else "index"  # aws.lambda_.get_function -> lambda
    if len(modules) > 1:
        raise ValueError(name)
    return f"{package}:{module}/{function}:{function}"


def function_name(token: str) -> str:
    """`aws:ec2/getAmi:getAmi` -> `aws.ec2.get_ami` (how the program calls it)."""
    from compliance.evaluation.result_types import camel_to_snake

    pieces = token.split(":")
    if len(pieces) != 3:
        return token
    module = pieces[1].split("/")[0]
    module = f"{module}_" if keyword.iskeyword(module) else module  # the SDK's `lambda_`
    prefix = pieces[0] if module in ("index", "") else f"{pieces[0]}.{module}"
    return f"{prefix}.{camel_to_snake(pieces[2])}"


class LookupPin(BaseModel):
    """One pinned result: for `function` called with (at least) `args`, return `result`."""

    model_config = ConfigDict(extra="forbid")

    function: str
    args: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any]

    @field_validator("function")
    @classmethod
    def _token(cls, value: str) -> str:
        try:
            return function_token(value.strip())
        except ValueError:
            raise ValueError(
                f"{value!r} is not a function: use e.g. aws.ec2.get_ami or aws:ec2/getAmi:getAmi"
            ) from None

    @field_validator("args", "result")
    @classmethod
    def _keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        return dict(_wire_keys(value))

    def matches(self, token: str, args: Mapping[str, Any]) -> bool:
        """Same function, and every pinned argument equal in the call."""
        return self.function == token and all(args.get(k) == v for k, v in self.args.items())


class LookupPins(BaseModel):
    """The pins of one project (empty when it has no gitops-lookups.yaml)."""

    model_config = ConfigDict(extra="forbid")

    lookups: list[LookupPin] = Field(default_factory=list)

    def pinned(self, token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
        """The pinned result fields for this call (wire names), or None."""
        for pin in self.lookups:
            if pin.matches(token, args):
                return dict(pin.result)
        return None


def load_lookup_pins(project_dir: Path) -> LookupPins:
    """`gitops-lookups.yaml` of a project, validated; a malformed file is a one-line ConfigError."""
    path = project_dir / PINS_FILE
    if not path.is_file():
        return LookupPins()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(
            f"{where}: invalid YAML ({getattr(exc, 'problem', None) or 'parse error'})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    if data is None:
        return LookupPins()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'lookups' list")
    try:
        return LookupPins.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{path}: {where}: {message}") from None


# --- errors caused by a made-up lookup result ----------------------------------------------------


class LookupCall(BaseModel):
    """One lookup the program made: where it was called and the string values it returned."""

    token: str
    file: str | None = None  # as in the error message (repository-relative)
    line: int | None = None
    pinned: bool = False
    values: list[str] = Field(default_factory=list)

    @classmethod
    def of(
        cls, token: str, result: Mapping[str, Any], *, file: str | None, line: int | None, pinned: bool
    ) -> LookupCall:
        """A record of a call and its result (string values of 6+ characters, for matching)."""
        values: list[str] = []

        def collect(value: Any) -> None:
            if isinstance(value, str) and len(value) >= 6:
                values.append(value)
            elif isinstance(value, dict):
                for item in value.values():
                    collect(item)
            elif isinstance(value, list):
                for item in value:
                    collect(item)

        collect(dict(result))
        return cls(token=token, file=file, line=line, pinned=pinned, values=values)


_WHERE = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+): ")
_ASSIGNED = re.compile(r"^\s*(?P<names>[A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_][\w]*)*)\s*(?::[^=]*)?=(?!=)")


def _source_line(root: Path | None, file: str, line: int) -> str | None:
    data = read_source(root, file)
    if data is None:
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else None


def _culprit(message: str, calls: Sequence[LookupCall], root: Path | None) -> LookupCall | None:
    where = _WHERE.match(message)
    if where is not None:
        file, line = where.group("file"), int(where.group("line"))
        for call in calls:  # 1. the failing line made the call
            if call.file == file and call.line == line:
                return call
        failing = _source_line(root, file, line)
        if failing is not None:  # 2. the failing line uses a variable a lookup was assigned to
            for call in reversed(calls):
                if call.file != file or call.line is None:
                    continue
                assigned = _ASSIGNED.match(_source_line(root, file, call.line) or "")
                if assigned is None:
                    continue
                for name in (n.strip() for n in assigned.group("names").split(",")):
                    if re.search(rf"\b{re.escape(name)}\b", failing):
                        return call
    for call in calls:  # 3. the message quotes a value the lookup returned
        if any(value in message for value in call.values):
            return call
    return None


def explain_lookup_error(message: str, calls: Sequence[LookupCall], root: Path | None = None) -> str:
    """`message` (an evaluation error, `file:line: Type: text`) plus which offline lookup caused it.

    A lookup is blamed when (1) the failing line called it, (2) the failing line mentions a variable
    the lookup's result was assigned to (`ami = aws.ec2.get_ami(...)`, then `ami.image_id`), or (3)
    the message contains a string the lookup returned. `root` resolves the message's file paths."""
    call = _culprit(message, calls, root)
    if call is None:
        return message
    name = function_name(call.token)
    if call.pinned:
        return f"{message} (after offline lookup {name} returned the result pinned in {PINS_FILE})"
    return f"{message} (after offline lookup {name} returned a placeholder; pin it in {PINS_FILE})"
