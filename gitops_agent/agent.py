"""The reconcile loop: wires source -> changes -> evaluate -> gate -> engine -> journal.

Each cycle: fetch the branch, refuse rewritten history, export the head commit, recover stacks a
crash left `applying`, pick affected stacks (+ dependents, in dependency order), gate and apply
them one by one under the journal's per-stack lock. A stop request (SIGTERM) is honoured between
steps: the step in progress finishes and is recorded, nothing is left half-written.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Literal

import git
from pydantic import BaseModel, Field, field_validator

from compliance.model import StackGraph
from compliance.redact import Redactor, cap
from gitops_agent import source
from gitops_agent.changes import directly_affected, reconcile_order, upstream_of, waves
from gitops_agent.checkouts import project_dir_of, relative_dir
from gitops_agent.deploy_gate import Check, PreviewBlocked, apply_checked
from gitops_agent.digest import describe_changes, plan_digest, resource_digests
from gitops_agent.drift import check_drift
from gitops_agent.engines import Engine, EngineError, TransientEngineError
from gitops_agent.journal import (
    Action,
    HistoryEntry,
    JournalBackend,
    JournalUnavailable,
    Lease,
    LeaseLost,
    StackState,
    Status,
    open_journal,
)
from gitops_agent.logs import log
from gitops_agent.metrics import AgentMetrics
from gitops_agent.retry import retry
from gitops_agent.source import CommitInfo, SourceError
from gitops_agent.trigger import SyncTrigger

Evaluate = Callable[..., StackGraph]
Gate = Callable[..., Any]
REPORTED_ACTIONS = ("applied", "unchanged", "failed", "blocked", "remediated")


class AgentConfig(BaseModel):
    """Everything `gitops agent` was asked to do (validated once from the command line)."""

    repo: str
    branch: str = "main"
    env: str = "dev"
    engine: str = "pulumi"
    state_dir: Path = Path(".gitops")
    journal_url: str | None = Field(default=None, description="None: <state_dir>/journal.sqlite")
    interval: float = Field(default=60.0, gt=0, allow_inf_nan=False)
    once: bool = False
    drift_interval: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    auto_remediate: bool = False
    listen: str | None = None
    allow_rewrite: bool = False
    backend_url: str | None = None
    refresh: bool = False
    stacks_dir: str = "stacks"
    jobs: int = Field(default=2, ge=1, description="stacks evaluated at once within a dependency wave")
    owner: str = Field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
    lock_lease: float = Field(default=120.0, gt=0)
    evaluate_timeout: float = Field(default=120.0, gt=0)
    sandbox: Literal["required", "auto", "off"] | None = Field(
        default=None, description="confinement of evaluated programs; None: required with the pulumi engine"
    )

    @property
    def sandbox_mode(self) -> Literal["required", "auto", "off"]:
        """The sandbox mode in force: as given, else `required` for --engine pulumi, `auto` otherwise."""
        if self.sandbox is not None:
            return self.sandbox
        return "required" if self.engine == "pulumi" else "auto"

    @field_validator("state_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        """Absolute, so exports stay valid for subprocesses that run in other directories."""
        return value.expanduser().resolve()


class StackOutcome(BaseModel):
    """What one cycle did to one stack (action None: skipped, e.g. another agent holds its lock)."""

    project: str
    action: Action | None
    status: Status | None
    message: str = ""


class CycleResult(BaseModel):
    """The outcome of one reconcile cycle."""

    revision: str | None = None
    outcomes: list[StackOutcome] = Field(default_factory=list)
    error: str | None = None
    stopped: bool = False

    @property
    def ok(self) -> bool:
        """No source error and no stack failed or blocked."""
        return self.error is None and not any(o.action in ("failed", "blocked") for o in self.outcomes)


@contextmanager
def stack_lock(
    journal: JournalBackend, project: str, env: str, owner: str, ttl: float
) -> Iterator[Lease | None]:
    """Hold the stack's lease (yield None if another live owner has it); a renewer thread extends it
    every ttl/3 while the body runs. Writes made with the lease carry its fencing token."""
    try:
        lease = journal.acquire_lease(project, env, owner, ttl)
    except JournalUnavailable as exc:
        log("stack.lease_unavailable", "error", project=project, env=env, error=str(exc))
        lease = None
    if lease is None:
        yield None
        return
    done = threading.Event()

    def renew() -> None:
        try:
            while not done.wait(ttl / 3):
                try:
                    if not journal.renew_lease(lease, ttl):
                        log("stack.lock_lost", "error", project=project, env=env, token=lease.token)
                        return
                except JournalUnavailable as exc:
                    log("stack.lease_renew_failed", "warning", project=project, error=str(exc))
        finally:
            journal.close()  # this thread's connection

    beat = threading.Thread(target=renew, name=f"lease-{project}", daemon=True)
    beat.start()
    try:
        yield lease
    finally:
        done.set()
        beat.join()
        try:
            journal.release_lease(lease)
        except JournalUnavailable as exc:  # it expires by itself
            log("stack.lease_release_failed", "warning", project=project, error=str(exc))


def owner_is_dead(owner: str) -> bool:
    """True when a lock owner (`host:pid:nonce`) is a process of this host that no longer exists."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def dependency_outputs(
    project: Any, env: str, outputs: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Outputs of `project`'s dependencies under the keys a StackReference resolves
    (`<project>/<env>` and `<project>`), as evaluate_project takes them."""
    found: dict[str, dict[str, Any]] = {}
    for dep in project.depends_on:
        if dep in outputs:
            found[f"{dep}/{env}"] = outputs[dep]
            found[dep] = outputs[dep]
    return found


def _default_evaluate() -> Evaluate:
    from compliance.evaluate import evaluate_project

    return evaluate_project


def _default_gate() -> Gate:
    from compliance.gate import check_graphs

    return check_graphs


def _default_discover() -> Callable[..., list[Any]]:
    from compliance.discovery import discover

    return discover


class Reconciler:
    """Wiring for one agent: config, engine, journal, metrics and the pluggable steps."""

    def __init__(
        self,
        cfg: AgentConfig,
        engine: Engine,
        *,
        journal: JournalBackend | None = None,
        metrics: AgentMetrics | None = None,
        stop: threading.Event | None = None,
        evaluate: Evaluate | None = None,
        gate: Gate | None = None,
        discover: Callable[..., list[Any]] | None = None,
        on_outcome: Callable[[StackOutcome, CommitInfo], None] | None = None,
        trigger: SyncTrigger | None = None,
    ) -> None:
        self.cfg = cfg
        self.engine = engine
        self.journal = journal or open_journal(cfg.journal_url, cfg.state_dir)
        self.metrics = metrics or AgentMetrics()
        # Credentials inherited from the environment never reach the journal (and so `gitops status`,
        # `gitops history` and the job summaries that print them), whatever a program or engine said.
        self.redactor = Redactor.from_environment()
        self.stop = stop or threading.Event()
        # The real steps are imported on first use: an idle cycle never loads Checkov.
        self._evaluate, self._gate, self._discover = evaluate, gate, discover
        self.ready = False
        self.on_outcome = on_outcome  # e.g. commit statuses and notifications (queued, never blocking)
        self.trigger = trigger or SyncTrigger()

    def is_ready(self) -> bool:
        """/readyz: a sync completed once and the journal answers now."""
        return self.ready and self.journal.ping()

    @property
    def evaluate(self) -> Evaluate:
        """compliance.evaluate.evaluate_project, unless replaced."""
        if self._evaluate is None:
            self._evaluate = _default_evaluate()
        return self._evaluate

    @property
    def gate(self) -> Gate:
        """compliance.gate.check_graphs, unless replaced."""
        if self._gate is None:
            self._gate = _default_gate()
        return self._gate

    @property
    def discover(self) -> Callable[..., list[Any]]:
        """compliance.discovery.discover, unless replaced."""
        if self._discover is None:
            self._discover = _default_discover()
        return self._discover

    # --- source -------------------------------------------------------------------------------
    def fetch(self) -> git.Repo:
        """Clone or fetch the mirror, retrying transient Git errors."""
        return retry(
            lambda: source.sync_mirror(self.cfg.repo, self.cfg.state_dir / "cache"),
            transient=(SourceError,),
            attempts=3,
            base=0.5,
            stop=self.stop,
            on_retry=lambda n, exc, d: log(
                "git.retry", "warning", attempt=n, error=str(exc), delay=round(d, 2)
            ),
        )

    def checkout(self, mirror: git.Repo, sha: str) -> Path:
        """A clean export of commit `sha` under the state dir."""
        return source.export_commit(mirror, sha, self.cfg.state_dir / "checkouts")

    def projects_at(self, checkout: Path) -> list[Any]:
        """Projects discovered in the export's stacks dir."""
        stacks = checkout / self.cfg.stacks_dir
        if not stacks.is_dir():
            raise SourceError(f"{self.cfg.stacks_dir}/: no such directory at this revision")
        return list(self.discover([stacks], self.cfg.env))

    # --- one stack ------------------------------------------------------------------------------
    def evaluate_stack(self, project: Any, checkout: Path, outputs: dict[str, dict[str, Any]]) -> StackGraph:
        """Offline evaluation of one project from the export, with its dependencies' outputs."""
        return self.evaluate(
            project_dir_of(project, checkout),
            self.cfg.env,
            stack_outputs=dependency_outputs(project, self.cfg.env, outputs),
            timeout=self.cfg.evaluate_timeout,
            repo_root=checkout,
            sandbox=self.cfg.sandbox_mode,
        )

    def record(
        self,
        project: str,
        status: Status,
        action: Action | None,
        commit: CommitInfo,
        message: str,
        *,
        digest: str | None = None,
        applied: bool = False,
        outputs: dict[str, Any] | None = None,
        resources: dict[str, str] | None = None,
        lease: Lease | None = None,
    ) -> StackOutcome:
        """One journal transition (+ history row when `action`), counted in the metrics.

        `applied` makes `commit` and `digest` the stack's last applied revision and digest; with a
        `lease`, the journal refuses the write (LeaseLost) unless the lease is still current.
        """
        message = cap(self.redactor.mask(message))
        entry = None
        if action is not None:
            entry = HistoryEntry(
                project=project,
                env=self.cfg.env,
                revision=commit.sha,
                action=action,
                plan_digest=digest,
                author=self.redactor.mask(commit.author),
                subject=self.redactor.mask(commit.subject),
                summary=message,
            )
        self.journal.transition(
            project,
            self.cfg.env,
            status,
            message=message,
            seen_revision=commit.sha,
            applied_revision=commit.sha if applied else None,
            plan_digest=digest if applied else None,
            outputs=self.redactor.mask_data(outputs) if outputs else outputs,
            resources=resources,
            history=entry,
            lease=lease,
        )
        if action is not None:
            self.metrics.reconciles.labels(result=action).inc()
        log(
            f"stack.{action or status}",
            project=project,
            env=self.cfg.env,
            revision=commit.sha[:12],
            message=message,
        )
        outcome = StackOutcome(project=project, action=action, status=status, message=message)
        if self.on_outcome is not None and action in REPORTED_ACTIONS:
            try:
                self.on_outcome(outcome, commit)
            except Exception as exc:  # reporting must never break a sync
                log("report.error", "error", project=project, error=f"{type(exc).__name__}: {exc}")
        return outcome

    def apply_stack(
        self,
        project: str,
        project_dir: Path,
        graph: StackGraph,
        commit: CommitInfo,
        *,
        action: Action = "applied",
        check: Check | None = None,
        lease: Lease | None = None,
    ) -> StackOutcome:
        """Apply one gated graph under the stack's lease: applying -> applied | failed, recorded
        atomically with the lease's fencing token (taken here unless the caller holds `lease`).

        With `check` and a planning engine (pulumi), the engine's own preview is gated too and `up`
        applies that plan only (deploy_gate); a preview that fails the gate records `blocked`.
        """
        if lease is not None:
            return self._apply_leased(project, project_dir, graph, commit, action, check, lease)
        with stack_lock(self.journal, project, self.cfg.env, self.cfg.owner, self.cfg.lock_lease) as held:
            if held is None:
                return self.locked_outcome(project)
            return self._apply_leased(project, project_dir, graph, commit, action, check, held)

    def locked_outcome(self, project: str) -> StackOutcome:
        """The outcome of a stack another agent holds (skipped, not recorded)."""
        try:
            owner = self.journal.lease_holder(project, self.cfg.env)
        except JournalUnavailable:
            owner = "unknown (journal unreachable)"
        log("stack.locked", "warning", project=project, owner=owner)
        return StackOutcome(project=project, action=None, status=None, message=f"locked by {owner}")

    def _apply_leased(
        self,
        project: str,
        project_dir: Path,
        graph: StackGraph,
        commit: CommitInfo,
        action: Action,
        check: Check | None,
        lease: Lease,
    ) -> StackOutcome:
        env, digest = self.cfg.env, plan_digest(graph)
        try:
            state = self.journal.get(project, env)
            if (
                action == "applied"
                and state is not None
                and state.status == "applied"
                and state.plan_digest == digest
            ):
                return self.record(
                    project,
                    "applied",
                    "unchanged",
                    commit,
                    "desired state unchanged",
                    digest=digest,
                    applied=True,
                    lease=lease,
                )
            doing = "recording" if self.engine.name == "plan-only" else "applying"
            self.record(project, "applying", None, commit, f"{doing} {commit.sha[:12]}", lease=lease)
        except LeaseLost as exc:
            return self.fenced(project, exc)
        try:
            result = retry(
                lambda: apply_checked(self.engine, project_dir, graph, check),
                transient=(TransientEngineError,),
                attempts=3,
                base=1.0,
                stop=self.stop,
                on_retry=lambda n, exc, d: log(
                    "engine.retry",
                    "warning",
                    project=project,
                    attempt=n,
                    error=str(exc),
                    delay=round(d, 2),
                ),
            )
        except PreviewBlocked as exc:
            self.metrics.policy_failures.labels(stack=project).inc()
            return self.record_result(
                project, "blocked", "blocked", commit, str(exc)[:2000], digest=digest, lease=lease
            )
        except EngineError as exc:
            return self.record_result(
                project, "failed", "failed", commit, str(exc), digest=digest, lease=lease
            )
        except Exception as exc:  # an engine bug must not leave the stack `applying`
            msg = f"{type(exc).__name__}: {exc}"
            return self.record_result(project, "failed", "failed", commit, msg, digest=digest, lease=lease)
        self.metrics.last_applied.labels(stack=project).set(time.time())
        resources = resource_digests(graph)
        aliases = {r.urn: r.aliases for r in graph.resources if r.aliases}
        changes = describe_changes(state.resources if state else {}, resources, aliases)
        return self.record_result(
            project,
            "applied",
            action,
            commit,
            f"{result.summary}; resources {changes}",
            digest=digest,
            applied=True,
            outputs=result.outputs,
            resources=resources,
            lease=lease,
        )

    def record_result(
        self, project: str, status: Status, action: Action, commit: CommitInfo, message: str, **kw: Any
    ) -> StackOutcome:
        """`record` an apply's result, retrying while the journal is unreachable; a refused write
        (the lease went stale: another agent owns the stack now) records nothing."""
        try:
            return retry(
                lambda: self.record(project, status, action, commit, message, **kw),
                transient=(JournalUnavailable,),
                attempts=6,
                base=0.5,
                cap=5.0,
                on_retry=lambda n, exc, d: log(
                    "journal.retry", "warning", project=project, attempt=n, error=str(exc), delay=round(d, 2)
                ),
            )
        except LeaseLost as exc:
            return self.fenced(project, exc)

    def fenced(self, project: str, exc: LeaseLost) -> StackOutcome:
        """A write refused because this agent's lease is stale: nothing recorded, the stack is left
        to the agent that holds it now (or to the next cycle's recovery)."""
        log("stack.fenced", "error", project=project, error=str(exc))
        return StackOutcome(project=project, action=None, status=None, message=str(exc))

    # --- a cycle --------------------------------------------------------------------------------
    def recover(self, mirror: git.Repo, projects: list[Any], checkout: Path) -> list[str]:
        """Stacks a crash left `applying`: clean up through the engine and mark them `pending`."""
        recovered = []
        for state in self.journal.states():
            if state.env != self.cfg.env or state.status != "applying":
                continue
            owner = self.journal.lease_holder(state.project, state.env)
            if owner not in (None, self.cfg.owner):
                if not owner_is_dead(owner):
                    continue  # another live agent is applying it right now
                log("stack.lock_broken", "warning", project=state.project, dead_owner=owner)
                self.journal.break_lease(state.project, state.env, owner)
            project = next((p for p in projects if p.name == state.project), None)
            if project is None:
                continue
            with stack_lock(
                self.journal, state.project, state.env, self.cfg.owner, self.cfg.lock_lease
            ) as lease:
                if lease is None:
                    continue
                now = self.journal.get(state.project, state.env)
                if now is None or now.status != "applying":
                    continue  # another agent recovered it meanwhile
                try:
                    self.engine.recover(project_dir_of(project, checkout), state.project, state.env)
                except EngineError as exc:
                    log("stack.recover_failed", "error", project=state.project, error=str(exc))
                    continue
                try:
                    self.journal.transition(
                        state.project,
                        state.env,
                        "pending",
                        message=f"recovered from an interrupted apply of {str(state.seen_revision)[:12]}",
                        lease=lease,
                    )
                except LeaseLost as exc:
                    self.fenced(state.project, exc)
                    continue
            log("stack.recovered", "warning", project=state.project, env=state.env)
            recovered.append(state.project)
        return recovered

    def changed_since_base(self, mirror: git.Repo, state: StackState | None, head: str) -> list[str] | None:
        """Paths changed since the stack's base revision; None when it must be reconciled regardless."""
        if state is None or state.status in ("pending", "applying", "failed") or not state.revision:
            return None
        base = state.seen_revision if state.status == "blocked" else state.revision
        if not base or not source.has_commit(mirror, base):
            return None
        return source.changed_paths(mirror, base, head)

    def cycle(self) -> CycleResult:
        """One reconcile of the branch head; never raises for per-stack problems."""
        started = time.monotonic()
        result = CycleResult(error="cycle did not finish")
        try:
            result = self._cycle()
            return result
        finally:
            elapsed = time.monotonic() - started
            self.metrics.duration.observe(elapsed)
            log("cycle.done", **cycle_summary(result, elapsed))

    def _cycle(self) -> CycleResult:
        cfg = self.cfg
        try:
            mirror = self.fetch()
            head = source.resolve_branch(mirror, cfg.branch)
        except SourceError as exc:
            log("source.error", "error", error=str(exc))
            return CycleResult(error=str(exc))
        key = f"head:{cfg.repo}:{cfg.branch}"
        seen = self.journal.get_meta(key)
        if seen and seen != head.sha and not source.is_ancestor(mirror, seen, head.sha):
            if not cfg.allow_rewrite:
                msg = (
                    f"branch {cfg.branch} was rewritten (force-push?): new head {head.sha[:12]} does not "
                    f"descend from the last synced head {seen[:12]}; refusing to sync it. If the rewrite "
                    "is intended, run the agent once with --allow-rewrite"
                )
                log(
                    "source.rewrite_refused",
                    "error",
                    branch=cfg.branch,
                    head=head.sha,
                    seen=seen,
                    message=msg,
                )
                return CycleResult(revision=head.sha, error=msg)
            log("source.rewrite_allowed", "warning", branch=cfg.branch, head=head.sha, seen=seen)
        checkout = self.checkout(mirror, head.sha)
        try:
            projects = self.projects_at(checkout)
        except Exception as exc:
            log("discovery.error", "error", error=str(exc))
            return CycleResult(revision=head.sha, error=f"discovery failed at {head.sha[:12]}: {exc}")
        self.recover(mirror, projects, checkout)

        states = {p.name: self.journal.get(p.name, cfg.env) for p in projects}
        dirs = {p.name: relative_dir(p, checkout) for p in projects}
        changed = {p.name: self.changed_since_base(mirror, states[p.name], head.sha) for p in projects}
        upstream = {p.name: upstream_of(projects, p.name) for p in projects}
        order = reconcile_order(projects, directly_affected(dirs, changed, upstream=upstream))
        log("cycle.start", revision=head.sha[:12], stacks=[p.name for p in order])

        result = CycleResult(revision=head.sha)
        outputs = {name: s.outputs for name, s in states.items() if s is not None}
        broken: dict[str, str] = {}
        for wave in waves(order):
            if self.stop.is_set():
                break
            ready: list[Any] = []
            for project in wave:
                suspended = self.suspended_outcome(states[project.name])
                if suspended is not None:
                    result.outcomes.append(suspended)
                    continue
                held = self.held_back(project, head, broken)
                if held is None:
                    ready.append(project)
                    continue
                result.outcomes.append(held)
                broken[project.name] = held.action or "skipped"
            pending = list(ready)
            while pending and not self.stop.is_set():
                # claim up to `jobs` stacks, then evaluate them: replicas split a wave between them
                # and no stack is evaluated by an agent that will not reconcile it
                with ExitStack() as held_leases:
                    batch: list[tuple[Any, Lease]] = []
                    while pending and len(batch) < cfg.jobs:
                        project = pending.pop(0)
                        lease, skipped = held_leases.enter_context(self.claim(project.name, head))
                        if lease is None:
                            assert skipped is not None
                            self._note(skipped, result, broken, outputs)
                        else:
                            batch.append((project, lease))
                    graphs = self.evaluate_wave([p for p, _ in batch], checkout, outputs)
                    for project, lease in batch:
                        if self.stop.is_set():
                            break
                        outcome = self.reconcile_stack(
                            project, checkout, head, graphs[project.name], lease=lease
                        )
                        self._note(outcome, result, broken, outputs)
        done = {o.project for o in result.outcomes}
        if any(p.name not in done for p in order):
            result.stopped = True
            log(
                "cycle.stopped",
                revision=head.sha[:12],
                remaining=[p.name for p in order if p.name not in done],
            )
        else:
            self.journal.set_meta(key, head.sha)
            self.ready = True
        source.prune_exports(cfg.state_dir / "checkouts", {head.sha})
        return result

    def _note(
        self,
        outcome: StackOutcome,
        result: CycleResult,
        broken: dict[str, str],
        outputs: dict[str, dict[str, Any]],
    ) -> None:
        """Add a stack's outcome to the cycle: a stack not applied holds back its dependents; an
        applied one passes its outputs on."""
        result.outcomes.append(outcome)
        if outcome.action in ("failed", "blocked") or outcome.status is None:
            broken[outcome.project] = outcome.action or "skipped"
        state = self.journal.get(outcome.project, self.cfg.env)
        if state is not None and outcome.action in ("applied", "unchanged"):
            outputs[outcome.project] = state.outputs

    def suspended_outcome(self, state: StackState | None) -> StackOutcome | None:
        """The outcome of a suspended stack (reported, never applied); None when it is not."""
        if state is None or state.suspended is None:
            return None
        why = f": {state.suspended.reason}" if state.suspended.reason else ""
        message = f"suspended by {state.suspended.by} at {state.suspended.at}{why}"
        log("stack.suspended", "warning", project=state.project, env=state.env, message=message)
        return StackOutcome(project=state.project, action=None, status=state.status, message=message)

    def held_back(self, project: Any, commit: CommitInfo, broken: dict[str, str]) -> StackOutcome | None:
        """The outcome for a stack whose dependency was not applied in this cycle (None: go ahead).

        A failed or blocked dependency blocks it (recorded); one skipped because another agent holds
        its lock only makes it wait for the next cycle (not recorded).
        """
        bad = [d for d in project.depends_on if d in broken]
        if not bad:
            return None
        if all(broken[d] == "skipped" for d in bad):
            return StackOutcome(
                project=project.name, action=None, status=None, message=f"waiting for {', '.join(bad)}"
            )
        why = ", ".join(f"{d} is {broken[d]}" for d in bad)
        with self.claim(project.name, commit) as (lease, done):
            if done is not None:
                return done
            assert lease is not None
            try:
                return self.record(
                    project.name, "blocked", "blocked", commit, f"dependency not applied: {why}", lease=lease
                )
            except LeaseLost as exc:
                return self.fenced(project.name, exc)

    @contextmanager
    def claim(self, project: str, commit: CommitInfo) -> Iterator[tuple[Lease | None, StackOutcome | None]]:
        """Hold the stack's lease for this revision: yields (lease, None) to go ahead, or (None, outcome)
        when another agent holds it, already applied or blocked it at this revision, or it is suspended."""
        with stack_lock(self.journal, project, self.cfg.env, self.cfg.owner, self.cfg.lock_lease) as lease:
            if lease is None:
                yield None, self.locked_outcome(project)
                return
            state = self.journal.get(project, self.cfg.env)
            suspended = self.suspended_outcome(state)
            if suspended is not None:
                yield None, suspended
            elif state is not None and state.status == "applied" and state.revision == commit.sha:
                yield (
                    None,
                    StackOutcome(
                        project=project, action="unchanged", status="applied", message="already applied"
                    ),
                )
            elif state is not None and state.status == "blocked" and state.seen_revision == commit.sha:
                yield (
                    None,
                    StackOutcome(project=project, action="blocked", status="blocked", message=state.message),
                )
            else:
                yield lease, None

    def evaluate_wave(
        self, projects: list[Any], checkout: Path, outputs: dict[str, dict[str, Any]]
    ) -> dict[str, StackGraph]:
        """Evaluate independent projects (none depends on another) up to `jobs` at a time."""
        if len(projects) <= 1 or self.cfg.jobs <= 1:
            return {p.name: self.evaluate_stack(p, checkout, outputs) for p in projects}
        with ThreadPoolExecutor(max_workers=self.cfg.jobs, thread_name_prefix="evaluate") as pool:
            graphs = list(pool.map(lambda p: self.evaluate_stack(p, checkout, outputs), projects))
        return {p.name: g for p, g in zip(projects, graphs, strict=True)}

    def reconcile_stack(
        self,
        project: Any,
        checkout: Path,
        commit: CommitInfo,
        graph: StackGraph,
        *,
        lease: Lease | None = None,
    ) -> StackOutcome:
        """Gate and apply one evaluated stack of the cycle (under `lease`, or a claim taken here)."""
        if lease is not None:
            return self._reconcile_leased(project, checkout, commit, graph, lease)
        with self.claim(project.name, commit) as (claimed, done):
            if done is not None:
                return done
            assert claimed is not None
            return self._reconcile_leased(project, checkout, commit, graph, claimed)

    def _reconcile_leased(
        self, project: Any, checkout: Path, commit: CommitInfo, graph: StackGraph, lease: Lease
    ) -> StackOutcome:
        name = project.name
        reasons = self.gate_reasons(name, graph, checkout)
        if reasons:
            self.metrics.policy_failures.labels(stack=name).inc()
            message = "; ".join(reasons)[:2000]
            return self.record_result(
                name, "blocked", "blocked", commit, message, digest=plan_digest(graph), lease=lease
            )
        check = partial(self.gate_reasons, name, checkout=checkout)
        return self.apply_stack(
            name, project_dir_of(project, checkout), graph, commit, check=check, lease=lease
        )

    def gate_reasons(self, name: str, graph: StackGraph, checkout: Path) -> list[str]:
        """Why the gate (policies of the checkout) blocks `graph` of stack `name`; empty: it passes."""
        try:
            report = self.gate([graph], self.cfg.env, policies_dir=checkout / "policies", repo_root=checkout)
            return list(report.blocking(name))
        except Exception as exc:
            return [f"gate error: {type(exc).__name__}: {exc}"]


def cycle_summary(result: CycleResult, duration: float) -> dict[str, Any]:
    """The end-of-cycle log fields: revision, stacks per outcome, duration, error."""
    counts = dict.fromkeys(("applied", "unchanged", "blocked", "failed", "suspended", "skipped"), 0)
    for outcome in result.outcomes:
        key = outcome.action or "skipped"
        counts[key] = counts.get(key, 0) + 1
    summary: dict[str, Any] = {"revision": (result.revision or "")[:12] or None, **counts}
    summary["duration_s"] = round(duration, 3)
    if result.error:
        summary["error"] = result.error
    if result.stopped:
        summary["stopped"] = True
    return summary


def run(reconciler: Reconciler, *, on_cycle: Callable[[CycleResult], None] | None = None) -> CycleResult:
    """Reconcile every `interval` seconds (and check drift every `drift_interval`) until stopped.

    A sync request (push webhook, POST /sync, SIGHUP) on `reconciler.trigger` starts the next
    cycle at once. With `once`, a single cycle. Returns the last cycle's result.
    """

    cfg, stop = reconciler.cfg, reconciler.stop
    next_drift = time.monotonic() + cfg.drift_interval if cfg.drift_interval else None
    while True:
        try:
            result = reconciler.cycle()
        except Exception as exc:  # keep the agent alive; the next cycle starts from the journal again
            log("cycle.error", "error", error=f"{type(exc).__name__}: {exc}")
            result = CycleResult(error=f"{type(exc).__name__}: {exc}")
        if on_cycle:
            on_cycle(result)
        if cfg.once or stop.is_set():
            return result
        if next_drift is not None and time.monotonic() >= next_drift:
            try:
                check_drift(reconciler, remediate=cfg.auto_remediate)
            except Exception as exc:
                log("drift.error", "error", error=f"{type(exc).__name__}: {exc}")
            next_drift = time.monotonic() + (cfg.drift_interval or 0)
        reconciler.trigger.wait(cfg.interval, stop)
        if stop.is_set():
            return result
