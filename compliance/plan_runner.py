"""Checkov's terraform_plan runner, with its graph work and its resource checks on two cores.

Checkov's `Runner.run` parses the plans, builds one graph, then runs the resource checks and after
them the graph checks (CKV2_*, YAML checks). Almost every resource check reads only its resource's
own parsed config, so `ForkedPlanRunner` forks right after parsing: the child builds the graph and
runs the graph checks and the few resource checks that read the graph, while the parent runs the
other resource checks. Once the graph is saved, the child forks once more and the two split the
graph checks by estimated cost (`split_by_cost`). The child builds the graph with
compliance.local_graph (Checkov's graph, indexed). The same records as Checkov's run; where
`os.fork` is missing it runs sequentially.

`on_resource_records` receives the parent's resource-check records as soon as they exist, while
the child still works: the caller turns them into findings meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

from checkov.common.graph.graph_builder.graph_components.attribute_names import CustomAttributes
from checkov.common.output.report import Report, merge_reports
from checkov.runner_filter import RunnerFilter
from checkov.terraform.graph_builder.graph_components.block_types import BlockType
from checkov.terraform.plan_runner import Runner
from checkov.terraform.plan_utils import build_definitions_context, create_definitions

from compliance.local_graph import build_graph_from_definitions
from compliance.processes import die_with_parent

T = TypeVar("T")


class ForkedCall(Generic[T]):
    """`fn()` computed in a forked child process; `result()` waits for it (or re-raises its error).

    The child inherits the parent's memory (Checkov's registries, the parsed plans, the graph) and
    sends back only the pickled result, through a temporary file; it exits without cleanup.
    """

    def __init__(self, fn: Callable[[], T]) -> None:
        fd, name = tempfile.mkstemp(prefix="gitops-forked-", suffix=".pickle")
        os.close(fd)
        self._path = Path(name)
        self._pid = os.fork()
        if self._pid == 0:  # the child: compute, write, leave without running any parent cleanup
            code = 0
            try:
                die_with_parent()  # killed with the thread that forked it, not orphaned
                try:
                    payload = pickle.dumps((True, fn()), protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException as exc:
                    code = 1
                    payload = _pickled_error(exc)
                self._path.write_bytes(payload)
            finally:
                os._exit(code)

    def result(self) -> T:
        """The child's return value; its exception re-raised; RuntimeError if it died."""
        try:
            _, status = os.waitpid(self._pid, 0)
            data = self._path.read_bytes() if self._path.exists() else b""
        finally:
            self._path.unlink(missing_ok=True)
        if not data:
            raise RuntimeError(f"forked Checkov graph checks died ({_describe(status)})")
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        return value


def _pickled_error(exc: BaseException) -> bytes:
    try:
        return pickle.dumps((False, exc))
    except Exception:  # an exception that cannot be pickled: keep its type name and message
        return pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit {os.waitstatus_to_exitcode(status)}"


GRAPH_READING_CHECKS = frozenset({"CKV_AWS_379", "CKV2_AWS_70", "CKV_GCP_73"})
"""Resource checks that read Checkov's graph (`self.graph`), not only their resource's own config:
S3SecureDataTransport, APIGatewayMethodWOAuth, CloudArmorWAFACLCVE202144228. They run once the
graph exists; a test fails when a Checkov upgrade adds another."""


class ForkedPlanRunner(Runner):
    """Checkov's terraform_plan `Runner`, on two cores.

    After parsing the plans, a forked child builds Checkov's graph and runs the graph checks and the
    few resource checks that read the graph (`GRAPH_READING_CHECKS`); meanwhile the parent runs
    every other resource check, which needs only the parsed definitions, and hands their records
    to `on_resource_records`. The child's report is merged in at the end: the same records as
    `Runner.run`. Without `os.fork`, or with options this runner does not split (deep analysis,
    image references, external checks given to `run`), it is Checkov's own sequential run.
    """

    def __init__(
        self, *args: Any, on_resource_records: Callable[[list[Any]], None] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._on_resource_records = on_resource_records

    def run(
        self,
        root_folder: str | None = None,
        external_checks_dir: list[str] | None = None,
        files: list[str] | None = None,
        runner_filter: RunnerFilter | None = None,
        collect_skip_comments: bool = True,
    ) -> Report | list[Report]:
        runner_filter = runner_filter or RunnerFilter()
        sequential = (
            not hasattr(os, "fork")
            or external_checks_dir
            or runner_filter.deep_analysis
            or runner_filter.repo_root_for_plan_enrichment
            or runner_filter.run_image_referencer
            or self.definitions is not None
        )
        if sequential:
            report = super().run(
                root_folder, external_checks_dir, files, runner_filter, collect_skip_comments
            )
            if self._on_resource_records is not None:  # everything at once: nothing ran earlier
                for part in report if isinstance(report, list) else [report]:
                    self._on_resource_records(part.passed_checks + part.failed_checks + part.skipped_checks)
            return report
        self._extend_resource_attributes_to_omit(runner_filter)
        self.deep_analysis = runner_filter.deep_analysis
        report = Report(self.check_type)
        parsing_errors: dict[str, str] = {}
        definitions, definitions_raw = create_definitions(root_folder, files, runner_filter, parsing_errors)
        self.definitions = definitions
        self.context = build_definitions_context(definitions, definitions_raw)
        if not root_folder:  # as Runner.run: 'root_folder' and 'files' are never both empty
            root_folder = os.path.split(os.path.commonprefix(files or []))[0]  # noqa: RUF071 - as Checkov
        folder = root_folder
        graph_part = (
            ForkedCall(lambda: self._graph_part(folder, definitions, runner_filter)) if definitions else None
        )
        try:
            with _resource_checks(lambda check: check.id not in GRAPH_READING_CHECKS):
                self.check_tf_definition(report, root_folder, runner_filter, collect_skip_comments)
            if self._on_resource_records is not None:
                self._on_resource_records(report.passed_checks + report.failed_checks + report.skipped_checks)
        except BaseException:
            if graph_part is not None:  # reap the child before the error propagates
                with contextlib.suppress(BaseException):
                    graph_part.result()
            raise
        report.add_parsing_errors(parsing_errors.keys())
        if graph_part is not None:
            graph_report = graph_part.result()
            for resource in graph_report.resources:
                report.add_resource(resource)
            merge_reports(report, graph_report)
        return report

    def _graph_part(
        self, root_folder: str, definitions: dict[str, dict[str, Any]], runner_filter: RunnerFilter
    ) -> Report:
        """In the child: the graph, the graph checks and the graph-reading resource checks."""
        report = Report(self.check_type)
        self.tf_plan_local_graph = build_graph_from_definitions(
            self.graph_manager, definitions, render_variables=False
        )
        for vertex in self.tf_plan_local_graph.vertices:
            if vertex.block_type == BlockType.RESOURCE:
                report.add_resource(
                    f"{vertex.path}:{vertex.attributes.get(CustomAttributes.TF_RESOURCE_ADDRESS)}"
                )
        self.graph_manager.save_graph(self.tf_plan_local_graph)
        with _resource_checks(lambda check: check.id in GRAPH_READING_CHECKS):
            for key, definition in definitions.items():  # resources only: the parent ran the rest
                path, scanned_file = self._get_file_path(key, root_folder)
                if "resource" in definition:
                    self.run_block(
                        definition["resource"],
                        self.context,
                        path,
                        root_folder,
                        report,
                        scanned_file,
                        "resource",
                        runner_filter,
                    )
        merge_reports(report, self._graph_checks_on_two_cores(root_folder, runner_filter))
        return report

    def _graph_checks_on_two_cores(self, root_folder: str, runner_filter: RunnerFilter) -> Report:
        """The graph checks' report; half of them, split by estimated cost (`split_by_cost`), run in
        a forked grandchild (the graph is saved and read-only by now)."""
        registry = self.graph_registry
        checks = list(registry.checks) if registry is not None else []
        if registry is None or len(checks) < 2:
            return self.get_graph_checks_report(root_folder, runner_filter)
        vertices = self.tf_plan_local_graph.vertices if self.tf_plan_local_graph is not None else []
        counts = Counter(v.name.split(".", 1)[0] for v in vertices if v.block_type == BlockType.RESOURCE)
        own, other = split_by_cost(checks, counts)
        try:
            registry.checks[:] = other
            other_half = ForkedCall(lambda: self.get_graph_checks_report(root_folder, runner_filter))
            registry.checks[:] = own
            try:
                report = self.get_graph_checks_report(root_folder, runner_filter)
            except BaseException:
                with contextlib.suppress(BaseException):  # reap the grandchild first
                    other_half.result()
                raise
        finally:
            registry.checks[:] = checks
        merge_reports(report, other_half.result())
        return report


def _check_types(check: Any) -> set[str]:
    """The resource types a graph check (and its sub-checks) looks at."""
    types = {*(check.resource_types or ()), *(getattr(check, "connected_resources_types", None) or ())}
    for sub in getattr(check, "sub_checks", None) or ():
        types |= _check_types(sub)
    return types


def split_by_cost(checks: list[Any], type_counts: Mapping[str, int]) -> tuple[list[Any], list[Any]]:
    """Two lists of graph checks of about equal cost, each in the checks' own order.

    A check's cost is taken as the number of resources of the types it reads (every resource for
    `all`/`resource`), plus one; the heaviest are placed first, each on the lighter side.
    """
    total = sum(type_counts.values())

    def cost(check: Any) -> int:
        types = _check_types(check)
        if types & {"all", "resource"}:
            return total + 1
        return 1 + sum(type_counts.get(t, 0) for t in types)

    costs = [cost(check) for check in checks]
    loads = [0, 0]
    side: dict[int, int] = {}
    for index in sorted(range(len(checks)), key=lambda i: -costs[i]):
        lighter = 0 if loads[0] <= loads[1] else 1
        side[index] = lighter
        loads[lighter] += costs[index]
    halves: tuple[list[Any], list[Any]] = ([], [])
    for index, check in enumerate(checks):
        halves[side[index]].append(check)
    return halves


@contextlib.contextmanager
def _resource_checks(keep: Callable[[Any], bool]) -> Iterator[None]:
    """Only the resource checks `keep` accepts are registered inside the block (restored after)."""
    saved = [(table, {k: list(v) for k, v in table.items()}) for table in _resource_tables()]
    for table, checks in saved:
        for entity, listed in checks.items():
            table[entity] = [check for check in listed if keep(check)]
    try:
        yield
    finally:
        for table, checks in saved:
            table.clear()
            table.update(checks)


def _resource_tables() -> list[dict[str, list[Any]]]:
    from checkov.terraform.checks.resource.registry import resource_registry

    return [resource_registry.checks, resource_registry.wildcard_checks]
