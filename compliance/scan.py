"""Run Checkov's terraform_plan runner in-process over bridged plans and map results to Findings.

All stacks go to one runner call (one registry load, one graph build over all files); every record
is mapped back through `BridgedPlan.addresses` to the Pulumi resource and its Python source line.
Nothing here touches the network: no Bridgecrew platform, no version check, no module downloads.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from compliance.attribute_lines import AttributeLines
from compliance.bridge import DEFAULT_PROVIDER_URN, BridgedPlan
from compliance.errors import ConfigError
from compliance.gc_pause import gc_paused
from compliance.model import Finding, Resource, Result, StackGraph

OFFLINE_ENV = {
    "BC_SKIP_MAPPING": "TRUE",  # no guideline/mapping download from the platform
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",  # no PyPI version check (checkov.common.util.banner)
    "CHECKOV_EXPERIMENTAL_CROSS_VARIABLE_EDGES": "False",
    "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    # Plan files above this size are read with json.loads and no line numbers instead of Checkov's
    # line-marking YAML loader. Findings point at Python lines, never at the plan's, so every plan
    # takes that path: the same records, and 0.6 s less at 700 resources (the YAML nodes also slow
    # every later step). Read when Checkov is imported.
    "CHECKOV_MAX_IAC_FILE_SIZE": "0",
}
"""Environment for an offline, quiet Checkov (set before Checkov is first imported)."""

SEVERITY_FALLBACK: dict[str, str] = {
    # Checkov OSS checks carry no severity (it comes from the Prisma platform); a few we rank ourselves.
    "CKV_AWS_20": "HIGH",  # S3 bucket public READ ACL
    "CKV_AWS_57": "HIGH",  # S3 bucket public WRITE ACL
    "CKV_AWS_24": "HIGH",  # security group: SSH from 0.0.0.0/0
    "CKV_AWS_25": "HIGH",  # security group: RDP from 0.0.0.0/0
    "CKV_AWS_260": "HIGH",  # security group: HTTP from 0.0.0.0/0
    "CKV_AWS_17": "HIGH",  # RDS publicly accessible
    "CKV_AWS_41": "HIGH",  # hard-coded provider credentials
    "CKV_AWS_1": "HIGH",  # IAM policy with *:* admin privileges
    "CKV_AWS_62": "HIGH",  # IAM policy with *:* admin privileges (inline)
    "CKV2_AWS_6": "MEDIUM",  # S3 bucket without public access block
    "CKV_AWS_16": "MEDIUM",  # RDS storage not encrypted
    "CKV_AWS_3": "MEDIUM",  # EBS volume not encrypted
}

_LOCK = threading.Lock()
"""Checkov's registries and graph state are process-wide: one run at a time."""

_RESULTS: dict[str, Result] = {"PASSED": "passed", "FAILED": "failed", "SKIPPED": "skipped"}


def offline_checkov() -> None:
    """Set the environment for an offline, quiet Checkov; call before Checkov is first imported."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def _file_name(index: int, graph: StackGraph) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{index:04d}-{graph.project}-{graph.env}")


def preload() -> None:
    """Import Checkov and load its check registries now (about 2-3 s of CPU).

    Optional: `scan()` does this on first use. The gate can call it in a thread while programs are
    evaluated in subprocesses, so the import overlaps the evaluation.
    """
    offline_checkov()
    with _LOCK, gc_paused():  # importing Checkov leaves ~290k tracked objects: GC passes walk them all
        from checkov.common.checks_infra.registry import get_graph_checks_registry
        from checkov.terraform.plan_runner import Runner  # noqa: F401  (imports the resource registries)

        from compliance import graph_records, path_search

        path_search.install()  # dpath's search and get, without walking what a glob cannot reach
        graph_records.install()  # graph-check records without copying each resource's vertex
        get_graph_checks_registry("terraform").load_checks()


def jsonpath_statements() -> list[str]:
    """The JSONPath expressions of Checkov's loaded Terraform graph checks (sub-checks included)."""
    from checkov.common.checks_infra.registry import get_graph_checks_registry

    found: dict[str, None] = {}
    pending = list(get_graph_checks_registry("terraform").checks)
    while pending:
        check = pending.pop()
        pending.extend(check.sub_checks)
        if check.is_jsonpath_check and check.attribute:
            found[check.attribute] = None
    return sorted(found)


def parse_jsonpaths() -> Iterator[None]:
    """Parse the graph checks' JSONPath expressions into Checkov's own cache, one per step.

    Checkov parses each expression on first use, inside the graph checks, where every parse builds
    its parser anew (tens of milliseconds) and the threads of one check may each parse it again.
    Done beforehand (the check process runs these steps while it waits for its first job), a graph
    check that reads policy documents (CKV2_AWS_68 on IAM roles) no longer dominates the check phase.
    Here one parser serves every expression (the results equal Checkov's own `parse`).
    """
    preload()
    from checkov.common.checks_infra.solvers.attribute_solvers.base_attribute_solver import (
        BaseAttributeSolver,
    )

    cache = getattr(BaseAttributeSolver, "jsonpath_parsed_statement_cache", None)
    if not isinstance(cache, dict):  # another Checkov: it parses on first use, as before
        return
    parse = _jsonpath_parser()
    yield
    for statement in jsonpath_statements():
        if statement not in cache:
            with contextlib.suppress(Exception):  # Checkov reports an unparsable one when it runs
                cache[statement] = parse(statement)
        yield


def _jsonpath_parser() -> Callable[[str], Any]:
    """bc_jsonpath_ng's `ext.parse` with its parser built once (`parse` builds one per call); that
    `parse` itself where the library's internals differ from those this was written against."""
    from bc_jsonpath_ng.ext import parse

    try:
        import ply.yacc
        from bc_jsonpath_ng import parser as bc_jsonpath_parser
        from bc_jsonpath_ng.ext.parser import ExtentedJsonPathParser
        from bc_jsonpath_ng.parser import IteratorToTokenStream

        grammar = ExtentedJsonPathParser()
        lexer_class: Any = grammar.lexer_class  # a class, though typed as an instance
        # the arguments bc_jsonpath_ng's own parse_token_stream passes (same tables, same lookups)
        parser = ply.yacc.yacc(
            module=grammar,
            debug=False,
            tabmodule="parser_jsonpath_parsetab",
            outputdir=os.path.dirname(bc_jsonpath_parser.__file__),
            write_tables=False,
            start="jsonpath",
            errorlog=ply.yacc.NullLogger(),
        )
    except Exception:
        return parse

    def parse_once_built(statement: str) -> Any:
        return parser.parse(lexer=IteratorToTokenStream(lexer_class().tokenize(statement)))

    return parse_once_built


def load_external_checks(directories: Sequence[Path]) -> None:
    """Register our checks (Python and YAML) with Checkov; ConfigError naming the file if one can't load.

    Checkov itself logs a broken check and carries on without it, which for a gate means a policy
    silently not enforced.
    """
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    for directory in directories:
        if not Path(directory).is_dir():
            raise ConfigError(f"{directory}: external checks directory not found")
        for folder in {p.parent for p in Path(directory).rglob("*.py") if p.name != "__init__.py"}:
            if not (folder / "__init__.py").is_file():
                raise ConfigError(f"{folder}: Python checks without __init__.py (Checkov would skip them)")
    from policies.loader import checkov_load_errors  # imports Checkov: not at module import time

    with checkov_load_errors() as failures:
        for directory in directories:
            resource_registry.load_external_checks(str(directory))
            get_graph_checks_registry("terraform").load_external_checks(str(directory))
    if failures.messages:
        raise ConfigError(f"invalid custom check: {failures.messages[0]}")


@contextlib.contextmanager
def scoped_registries() -> Iterator[None]:
    """Undo external check registrations when the run ends.

    Checkov's registries are process-wide and keep the first check registered under an id, so in a
    long-running agent a check from an older policies revision would shadow its newer version, and
    checks of a directory no longer passed would still run.
    """
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.data.registry import data_registry
    from checkov.terraform.checks.provider.registry import provider_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    graph_registry = get_graph_checks_registry("terraform")
    graph_registry.load_checks()
    registries = (resource_registry, data_registry, provider_registry)
    saved = [
        ({k: list(v) for k, v in r.checks.items()}, {k: list(v) for k, v in r.wildcard_checks.items()})
        for r in registries
    ]
    saved_graph = list(graph_registry.checks)
    try:
        yield
    finally:
        for registry, (checks, wildcard) in zip(registries, saved, strict=True):
            registry.checks.clear()
            registry.checks.update(checks)
            registry.wildcard_checks.clear()
            registry.wildcard_checks.update(wildcard)
        graph_registry.checks[:] = saved_graph


def run_checkov(
    files: Sequence[Path],
    *,
    external_checks_dirs: Sequence[Path] = (),
    check_ids: Sequence[str] | None = None,
    on_records: Callable[[list[Any]], None] | None = None,
) -> list[Any]:
    """Run Checkov's terraform_plan runner over plan files in-process; return all its records.

    `on_records`: called with disjoint batches that together are all the records: the resource
    checks' as soon as they exist (the graph checks are still running in a forked child), then
    the rest.
    """
    preload()
    from checkov.runner_filter import RunnerFilter

    from compliance.plan_runner import ForkedPlanRunner

    runner_filter = RunnerFilter(
        framework=["terraform_plan"],
        checks=list(check_ids) if check_ids else None,
        download_external_modules=False,
        show_progress_bar=False,
        run_image_referencer=False,
    )
    with _LOCK, scoped_registries():
        load_external_checks(external_checks_dirs)
        paths = [str(f) for f in files]
        early: list[Any] = []

        def deliver(batch: list[Any]) -> None:
            early.extend(batch)
            if on_records is not None:
                on_records(batch)

        runner = ForkedPlanRunner(on_resource_records=deliver)
        report = runner.run(root_folder=None, files=paths, runner_filter=runner_filter)
    reports = report if isinstance(report, list) else [report]
    records: list[Any] = []
    for r in reports:
        records += r.passed_checks + r.failed_checks + r.skipped_checks
    delivered = {id(r) for r in early}
    rest = [r for r in records if id(r) not in delivered]
    if on_records is not None and rest:
        on_records(rest)
    return records


def to_finding(
    record: Any, resource: Resource | None, address: str, lines: AttributeLines | None = None
) -> Finding:
    """A Checkov record as a Finding on the Pulumi resource it came from.

    With `lines`, `line` is the keyword argument that set the attribute the check evaluated (when
    found in the call) and `call_line` the call's line.
    """
    result = record.check_result.get("result")
    position = (resource.source or resource.source_inner) if resource else None
    severity = record.severity.name if getattr(record, "severity", None) else None
    line = position.line if position else None
    if lines is not None and resource is not None and position is not None:
        keys = record.check_result.get("evaluated_keys") or ()
        line = lines.line_for(resource, position, address.split(".", 1)[0], keys) or line
    return Finding(
        check_id=record.check_id,
        title=record.check_name,
        severity=severity or SEVERITY_FALLBACK.get(record.check_id),
        result=_RESULTS.get(getattr(result, "name", str(result)), "failed"),
        resource=resource.name if resource else address,
        type=resource.type if resource else address.split(".", 1)[0],
        file=position.file if position else None,
        line=line,
        call_line=position.line if position else None,
        guideline=record.guideline,
    )


def scan(
    plans: Sequence[tuple[StackGraph, BridgedPlan]],
    *,
    external_checks_dirs: Sequence[Path] = (),
    check_ids: Sequence[str] | None = None,
    lines: AttributeLines | None = None,
) -> dict[tuple[str, str], list[Finding]]:
    """Checkov over all bridged plans in one in-process run; findings keyed by (project, env).

    `lines`: report the line of the keyword that set the evaluated attribute (see attribute_lines).
    """
    results: dict[tuple[str, str], list[Finding]] = {(g.project, g.env): [] for g, _ in plans}
    if not any(p.addresses for _, p in plans):
        return results
    # no garbage collection while Checkov runs and its records become findings (see gc_paused)
    with tempfile.TemporaryDirectory(prefix="gitops-bridge-") as tmp, gc_paused():
        by_file: dict[str, tuple[StackGraph, BridgedPlan]] = {}
        for index, (graph, bridged) in enumerate(plans):
            if not bridged.addresses:
                continue
            path = Path(tmp) / _file_name(index, graph)  # one directory per stack: no shared module
            path.mkdir()
            path = path / "tfplan.json"
            path.write_text(json.dumps(bridged.plan))
            by_file[str(path)] = (graph, bridged)
        resources = {r.urn: r for g, _ in plans for r in g.resources}

        def convert(records: list[Any]) -> None:
            for record in records:
                owner = by_file.get(str(record.file_abs_path))
                if owner is not None:
                    _add_finding(record, owner, resources, lines, results)

        run_checkov(
            [Path(f) for f in by_file],
            external_checks_dirs=external_checks_dirs,
            check_ids=check_ids,
            on_records=convert,
        )
    for findings in results.values():
        findings.sort(key=lambda f: (f.resource, f.check_id))
    return results


def _add_finding(
    record: Any,
    owner: tuple[StackGraph, BridgedPlan],
    resources: dict[str, Resource],
    lines: AttributeLines | None,
    results: dict[tuple[str, str], list[Finding]],
) -> None:
    """The Finding of one Checkov record, appended to its stack's list (none for unknown addresses)."""
    graph, bridged = owner
    urn = bridged.addresses.get(record.resource)
    if urn is None:
        return
    if urn == DEFAULT_PROVIDER_URN:  # configured by stack config, reported on that line
        source = graph.default_provider_source
        finding = to_finding(record, None, record.resource).model_copy(
            update={
                "resource": "default-provider",
                "type": "pulumi:providers:aws",
                "file": source.file if source else None,
                "line": source.line if source else None,
            }
        )
    else:
        finding = to_finding(record, resources.get(urn), record.resource, lines)
    results[(graph.project, graph.env)].append(finding)
