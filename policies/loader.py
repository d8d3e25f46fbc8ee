"""Load our Checkov custom checks from one directory, and only from it.

Checkov keeps checks in process-wide registries and keeps the FIRST check registered under an id;
its external-checks loader also caches modules in sys.modules by bare file name and swallows import
errors. So loading policies from a Git revision after the working tree (or a second agent cycle
after a first) would silently keep the old checks. `load_checks` first removes every previously
loaded external check and module, then imports each file of the directory itself, failing loudly.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from checkov.runner_filter import RunnerFilter
from checkov.terraform.checks.provider.registry import provider_registry
from checkov.terraform.checks.resource.registry import resource_registry

from policies.config import cached_policy_config, load_policy_config
from policies.errors import PolicyConfigError

REGISTRIES: tuple[Any, ...] = (resource_registry, provider_registry)
_loaded_dirs: list[Path] = []


def _is_builtin(check: Any) -> bool:
    return type(check).__module__.startswith("checkov.")


def _graph_registry() -> Any:
    """Checkov's Terraform graph-check registry (YAML checks), with its built-in checks loaded."""
    from checkov.common.checks_infra.registry import get_graph_checks_registry

    registry = get_graph_checks_registry("terraform")
    registry.load_checks()
    return registry


def _is_builtin_graph_check(check: Any, registry: Any) -> bool:
    path = getattr(check, "check_path", "") or ""
    if not path or path.startswith(registry.checks_dir + os.sep):  # as Checkov found it: no realpath
        return True
    return _realpath(path).startswith(_realpath(registry.checks_dir) + os.sep)


@functools.cache
def _realpath(path: str) -> str:
    """os.path.realpath, cached: asked for every registered check, for each of our check files."""
    return os.path.realpath(path)


LOAD_FAILURES = ("Cannot load external check", "Failed to parse check id", "Custom policy")
"""Starts of the messages Checkov logs (and otherwise ignores) when one of our checks cannot load."""


class CheckovLoadErrors(logging.Handler):
    """Collects Checkov's log messages about custom checks it skipped because they could not load."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().splitlines()[0]
        if message.startswith(LOAD_FAILURES):
            error = record.exc_info[1] if record.exc_info else None
            self.messages.append(f"{message}: {error}" if error else message)


@contextlib.contextmanager
def checkov_load_errors() -> Iterator[CheckovLoadErrors]:
    """While loading checks, collect Checkov's load failures instead of letting it print and skip them."""
    handler = CheckovLoadErrors()
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers[:] = [handler]
    try:
        yield handler
    finally:
        root.handlers[:] = saved


def _load_graph_checks(checks_dir: Path) -> None:
    """Register the directory's YAML/JSON graph checks; PolicyConfigError naming a broken one."""
    files = sorted(p for p in checks_dir.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    if not files:
        return
    registry = _graph_registry()
    with checkov_load_errors() as errors:
        registry.load_external_checks(str(checks_dir))
    if errors.messages:
        raise PolicyConfigError(f"{checks_dir}: invalid YAML check: {errors.messages[0]}")


def unload_external_checks() -> None:
    """Remove all non-Checkov checks from the Terraform registries and their modules from sys.modules."""
    graph = _graph_registry()
    graph.checks[:] = [c for c in graph.checks if _is_builtin_graph_check(c, graph)]
    for registry in REGISTRIES:
        for table in (registry.checks, registry.wildcard_checks):
            for entity in list(table):
                table[entity] = [c for c in table[entity] if _is_builtin(c)]
                if not table[entity]:
                    del table[entity]
    if _loaded_dirs:  # none loaded yet (a fresh process): nothing of ours in sys.modules or sys.path
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            # our modules' __file__ is the resolved path load_checks imported them from: no resolve()
            # here, which would cost a realpath per module in sys.modules (thousands, with Checkov)
            if file and Path(file).parent in _loaded_dirs:
                del sys.modules[name]
        sys.path[:] = [p for p in sys.path if Path(p).resolve() not in _loaded_dirs]
        _loaded_dirs.clear()
    cached_policy_config.cache_clear()


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise PolicyConfigError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[path.stem]
        raise PolicyConfigError(f"{path}: failed to load ({exc.__class__.__name__}: {exc})") from None
    return module


def _registered_checks() -> list[Any]:
    """Every check object in the Terraform resource and provider registries."""
    return [check for registry in REGISTRIES for _entity, check in registry.all_checks()]


def registered_external_checks() -> dict[str, str]:
    """Check id -> file of every non-Checkov check currently registered (Python and YAML)."""
    found: dict[str, str] = {}
    graph = _graph_registry()
    for check in graph.checks:
        if not _is_builtin_graph_check(check, graph):
            found[check.id] = str(Path(check.check_path).resolve())
    for registry in REGISTRIES:
        for _entity, check in registry.all_checks():
            if not _is_builtin(check):
                found[check.id] = str(getattr(sys.modules.get(type(check).__module__), "__file__", ""))
    return found


def load_checks(checks_dir: Path) -> list[str]:
    """Replace all loaded custom checks with those in `checks_dir` (+ validate ../config.yaml).

    Returns the sorted check ids. A file that fails to import is a PolicyConfigError naming it.
    Call this before the scan and do not also pass the directory to Checkov's external checks.
    """
    checks_dir = checks_dir.resolve()
    if not (checks_dir / "__init__.py").is_file():
        raise PolicyConfigError(f"{checks_dir}: not a checks directory (no __init__.py)")
    unload_external_checks()
    load_policy_config(checks_dir.parent)
    _loaded_dirs.append(checks_dir)
    sys.path.insert(0, str(checks_dir))
    for path in checks_dir.glob("*.py"):
        sys.modules.pop(path.stem, None)  # a same-named module from another tree must not be reused
    seen = {id(check) for check in _registered_checks()}
    for path in sorted(checks_dir.glob("*.py")):
        if path.name.startswith("__"):
            continue
        _import(path)
        for check in _registered_checks():  # the checks this file registered
            if id(check) not in seen:
                seen.add(id(check))
                if not _is_builtin(check):
                    RunnerFilter.notify_external_check(check.id)
    _load_graph_checks(checks_dir)
    loaded = registered_external_checks()
    foreign = {i: f for i, f in loaded.items() if not Path(f).resolve().is_relative_to(checks_dir)}
    if foreign:
        check_id, file = sorted(foreign.items())[0]
        raise PolicyConfigError(f"{file}: check {check_id} does not come from {checks_dir}")
    return sorted(loaded, key=_id_order)


def _id_order(check_id: str) -> tuple[str, int]:
    prefix, _, number = check_id.rpartition("_")
    return (prefix, int(number)) if number.isdigit() else (check_id, 0)
