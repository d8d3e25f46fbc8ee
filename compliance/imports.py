"""StackGraphs from the Pulumi CLI's own files: `pulumi preview --json` and `pulumi stack export`.

For users who have the CLI and real credentials: these graphs hold the engine's values instead of
mock outputs. Both files carry resources in the same shape (apitype.ResourceV3): urn, type,
custom, id, parent, provider, inputs, outputs, dependencies, propertyDependencies, protect and,
in newer CLIs, sourcePosition (`project:///__main__.py#12,5` or `file:///abs/path.py#12,5`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from compliance.errors import ConfigError
from compliance.model import SECRET, Resource, SourcePosition, StackGraph

SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
STACK_TYPE = "pulumi:pulumi:Stack"

# Steps whose newState is not part of the desired state after the update.
_SKIPPED_OPS = frozenset(
    {"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"}
)


def clean_value(value: Any) -> Any:
    """CLI property values -> graph values: secrets (signature objects, ciphertext) -> SECRET,
    unknowns -> None, resource references -> their URN; `__defaults` bookkeeping is dropped."""
    if isinstance(value, str):
        return None if value == UNKNOWN else value
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    if isinstance(value, dict):
        sig = value.get(SIG)
        if sig == SECRET_SIG or ("ciphertext" in value and sig is not None):
            return SECRET
        if sig == RESOURCE_SIG:
            return value.get("urn")
        if sig is not None:
            return {k: clean_value(v) for k, v in value.items() if k != SIG}
        return {k: clean_value(v) for k, v in value.items() if k != "__defaults"}
    return value


def parse_source_position(
    uri: str | None, *, project_path: str | None = None, repo_root: Path | None = None
) -> SourcePosition | None:
    """`project:///__main__.py#12,5` or `file:///abs/x.py#12` -> SourcePosition (None if unusable).

    `project://` paths are relative to the project directory (`project_path` is prefixed when
    given); `file://` paths are made relative to `repo_root` when they lie inside it.
    """
    if not uri or "#" not in uri:
        return None
    location, _, fragment = uri.partition("#")
    try:
        line = int(fragment.split(",")[0])
    except ValueError:
        return None
    parsed = urlparse(location)
    path = unquote(parsed.path)
    if parsed.scheme == "project":
        relative = path.lstrip("/")
        file = f"{project_path.rstrip('/')}/{relative}" if project_path else relative
    elif parsed.scheme == "file":
        file = path
        if repo_root is not None:
            try:
                file = Path(path).resolve().relative_to(repo_root.resolve()).as_posix()
            except ValueError:
                file = path
    else:
        return None
    return SourcePosition(file=file, line=line)


def _is_default_provider(urn: str) -> bool:
    return "::pulumi:providers:" in urn and urn.rsplit("::", 1)[-1].startswith("default")


def _provider_ref(ref: str | None) -> str | None:
    if not ref:
        return None
    urn = ref.rsplit("::", 1)[0] if ref.count("::") > 3 else ref
    return None if _is_default_provider(urn) else ref


def _stack_identity(urn: str) -> tuple[str, str]:
    """(project, stack) from any URN `urn:pulumi:<stack>::<project>::...`."""
    try:
        head = urn.split("::")
        return head[1], head[0].removeprefix("urn:pulumi:")
    except IndexError:
        return "", ""


def graph_from_resources(
    states: Iterable[Mapping[str, Any]],
    *,
    origin: Path,
    project_path: str | None = None,
    repo_root: Path | None = None,
) -> StackGraph:
    """A StackGraph from ResourceV3-shaped dicts (used by both the preview and the state readers)."""
    project, env, outputs = "", "", {}
    resources: list[Resource] = []
    positions: dict[str, SourcePosition | None] = {}
    for state in states:
        urn = state.get("urn")
        kind = state.get("type")
        if not isinstance(urn, str) or not isinstance(kind, str):
            raise ConfigError(f"{origin}: resource without urn/type")
        project, env = _stack_identity(urn)
        if kind == STACK_TYPE:
            outputs = clean_value(state.get("outputs") or {})
            continue
        if state.get("delete") or state.get("external") or _is_default_provider(urn):
            continue
        positions[urn] = parse_source_position(
            state.get("sourcePosition"), project_path=project_path, repo_root=repo_root
        )
        property_deps = state.get("propertyDependencies") or {}
        resources.append(
            Resource(
                urn=urn,
                type=kind,
                name=urn.rsplit("::", 1)[-1],
                custom=bool(state.get("custom", True)),
                id=state.get("id") or None,
                parent=state.get("parent") or None,
                provider=_provider_ref(state.get("provider")),
                depends_on=sorted(set(state.get("dependencies") or [])),
                protect=bool(state.get("protect", False)),
                inputs=clean_value(state.get("inputs") or {}),
                outputs=clean_value(state.get("outputs") or {}),
                property_dependencies={k: sorted(set(v)) for k, v in sorted(property_deps.items()) if v},
            )
        )
    by_urn = {r.urn: r for r in resources}
    for resource in resources:
        own = positions.get(resource.urn)
        outer, parent = own, resource.parent
        while parent in by_urn:  # the outermost component below the stack: the program's line
            outer = positions.get(parent) or outer
            parent = by_urn[parent].parent
        resource.source = outer
        resource.source_inner = own if own != outer else None
    return StackGraph(
        project=project,
        path=project_path if project_path is not None else str(origin.parent),
        env=env,
        resources=resources,
        outputs=outputs,
    )


def _load_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None


def graph_from_preview(
    path: Path, *, project_path: str | None = None, repo_root: Path | None = None
) -> StackGraph:
    """Desired state from `pulumi preview --json` output: the newState of every kept step."""
    data = _load_json(path)
    steps = data.get("steps") if isinstance(data, dict) else None
    if not isinstance(steps, list):
        raise ConfigError(f"{path}: not `pulumi preview --json` output (no 'steps' list)")
    latest: dict[str, Mapping[str, Any]] = {}
    for step in steps:
        if not isinstance(step, dict) or step.get("op") in _SKIPPED_OPS:
            continue
        state = step.get("newState")
        if isinstance(state, dict) and state.get("urn"):
            latest[state["urn"]] = state
    return graph_from_resources(
        latest.values(), origin=Path(path), project_path=project_path, repo_root=repo_root
    )


def graph_from_state(
    path: Path, *, project_path: str | None = None, repo_root: Path | None = None
) -> StackGraph:
    """Current state from `pulumi stack export` output (deployment.resources)."""
    data = _load_json(path)
    deployment = data.get("deployment") if isinstance(data, dict) else None
    resources = deployment.get("resources") if isinstance(deployment, dict) else None
    if resources is None and isinstance(deployment, dict):
        resources = []  # a stack that was never deployed
    if not isinstance(resources, list):
        raise ConfigError(f"{path}: not `pulumi stack export` output (no deployment.resources)")
    return graph_from_resources(resources, origin=Path(path), project_path=project_path, repo_root=repo_root)
