"""`gitops agent|status|history|drift|rollback`: argparse registration and handlers."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ENGINES = ("pulumi", "plan-only")


def _journal_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--journal",
        metavar="URL",
        default=os.environ.get("GITOPS_JOURNAL_URL") or None,
        help="sqlite:///PATH or postgresql://USER:PASS@HOST/DB (env GITOPS_JOURNAL_URL;"
        " default <state-dir>/journal.sqlite)",
    )


def _common_source(p: argparse.ArgumentParser, *, repo_required: bool) -> None:
    p.add_argument("--repo", required=repo_required, help="Git repository: local path or https/ssh URL")
    p.add_argument("--branch", default="main", help="branch to reconcile (default main)")
    p.add_argument("--env", default="dev", help="stack/environment (default dev)")
    p.add_argument("--engine", choices=ENGINES, default="pulumi", help="default pulumi")
    p.add_argument(
        "--state-dir", type=Path, default=Path(".gitops"), help="journal, cache (default .gitops/)"
    )
    p.add_argument("--backend-url", help="Pulumi backend (default file://<state-dir>/backend)")
    p.add_argument("--refresh", action="store_true", help="pulumi refresh before each up")
    p.add_argument("--stacks-dir", default="stacks", help="projects dir inside the repo (default stacks)")
    p.add_argument("--allow-rewrite", action="store_true", help="accept a force-pushed (rewritten) branch")
    p.add_argument("--jobs", type=int, default=2, help="stacks evaluated at once (default 2)")
    _journal_option(p)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the agent's subcommands."""
    p = sub.add_parser("agent", help="keep stacks equal to a Git branch (reconcile loop)")
    _common_source(p, repo_required=True)
    p.add_argument("--interval", type=float, default=60.0, help="seconds between syncs (default 60)")
    p.add_argument("--once", action="store_true", help="one sync, then exit (0 ok, 1 failed/blocked)")
    p.add_argument("--drift-interval", type=float, metavar="S", help="check drift every S seconds")
    p.add_argument("--auto-remediate", action="store_true", help="re-apply drifted stacks")
    p.add_argument(
        "--listen", metavar="HOST:PORT", help="serve /healthz /readyz /metrics, POST /hooks/github and /sync"
    )
    p.add_argument("--notify", action="append", default=[], metavar="URL", help="POST each outcome as JSON")
    p.add_argument("--github-repo", metavar="OWNER/REPO", help="for commit statuses (default: from --repo)")
    p.add_argument("--status-url", metavar="URL", help="link shown with each commit status")
    p.add_argument(
        "--no-commit-status", action="store_true", help="never post commit statuses, even with a token"
    )
    p.add_argument(
        "--lease", type=float, default=120.0, metavar="S", help="stack lease TTL in seconds (default 120)"
    )
    p.add_argument(
        "--sandbox",
        choices=("required", "auto", "off"),
        help="confine evaluated programs (default: required with --engine pulumi, else auto)",
    )
    p.set_defaults(handler=run_agent)

    p = sub.add_parser("sync", help="ask a running agent to sync now (POST /sync on its --listen)")
    p.add_argument("--listen", default="127.0.0.1:9100", metavar="HOST:PORT", help="default 127.0.0.1:9100")
    p.set_defaults(handler=run_sync)

    p = sub.add_parser("status", help="per-stack status from the agent's journal")
    p.add_argument("--state-dir", type=Path, default=Path(".gitops"))
    _journal_option(p)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=run_status)

    p = sub.add_parser("history", help="the agent's audit log")
    p.add_argument("--state-dir", type=Path, default=Path(".gitops"))
    _journal_option(p)
    p.add_argument("--project", help="only this project")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument(
        "--verify", action="store_true", help="check the history hash chain (exit 1 at the first broken link)"
    )
    p.set_defaults(handler=run_history)

    p = sub.add_parser("stack", help="suspend or resume one stack (recorded in the journal)")
    stack_sub = p.add_subparsers(dest="stack_command", metavar="ACTION", required=True)
    for name, text in (("suspend", "never apply PROJECT until resumed"), ("resume", "apply PROJECT again")):
        q = stack_sub.add_parser(name, help=text)
        q.add_argument("project", metavar="PROJECT")
        q.add_argument("--env", required=True, help="stack/environment")
        q.add_argument("--reason", default="", help="why (recorded in the history)")
        q.add_argument("--by", help="who (default USER@HOST)")
        q.add_argument("--state-dir", type=Path, default=Path(".gitops"))
        _journal_option(q)
        q.set_defaults(handler=run_stack, suspend=name == "suspend")

    p = sub.add_parser("drift", help="compare live state with the last applied state (exit 1 on drift)")
    _common_source(p, repo_required=True)
    p.add_argument("--auto-remediate", action="store_true", help="re-apply drifted stacks")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(handler=run_drift)

    p = sub.add_parser("rollback", help="revert COMMIT with a new commit (the agent then applies it)")
    p.add_argument("commit", metavar="COMMIT")
    p.add_argument("--repo", type=Path, default=Path("."), help="working tree (default .)")
    p.add_argument("--branch", metavar="NEW", help="make the revert on a new branch NEW")
    p.add_argument("--push", action="store_true", help="push the revert")
    p.add_argument("--remote", default="origin")
    p.set_defaults(handler=run_rollback)


def _fail(message: str) -> int:
    Console(file=sys.stderr, highlight=False).print(f"[red]error:[/] {message}", markup=True, soft_wrap=True)
    return 2


class UsageError(Exception):
    """A command-line value is invalid (one line naming the option)."""


def _config(args: argparse.Namespace, **extra: Any) -> Any:
    """The validated AgentConfig for a command; UsageError names the bad option."""
    from pydantic import ValidationError

    from gitops_agent.agent import AgentConfig

    if getattr(args, "sandbox", None):
        extra.setdefault("sandbox", args.sandbox)
    try:
        return _build_config(AgentConfig, args, **extra)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = (
            {"lock_lease": "lease"}.get(str(first["loc"][0]), str(first["loc"][0])) if first["loc"] else ""
        )
        option = "--" + field.replace("_", "-") if field else "option"
        raise UsageError(f"{option}: {first['msg']}") from None


def _build_config(model: Any, args: argparse.Namespace, **extra: Any) -> Any:
    return model(
        repo=args.repo,
        branch=args.branch,
        env=args.env,
        engine=args.engine,
        state_dir=args.state_dir,
        backend_url=args.backend_url,
        refresh=args.refresh,
        stacks_dir=args.stacks_dir,
        allow_rewrite=args.allow_rewrite,
        jobs=args.jobs,
        journal_url=args.journal,
        **extra,
    )


def _reconciler(cfg: Any, stop: threading.Event, journal: Any = None) -> Any:
    from gitops_agent.agent import Reconciler
    from gitops_agent.engines import make_engine

    engine = make_engine(cfg.engine, cfg.state_dir, cfg.env, backend_url=cfg.backend_url, refresh=cfg.refresh)
    return Reconciler(cfg, engine, stop=stop, journal=journal)


def install_stop_handlers(stop: threading.Event) -> None:
    """SIGTERM/SIGINT set `stop`: the current step finishes and is recorded, then the agent exits."""
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum: int, frame: object) -> None:
        from gitops_agent.logs import log

        log("agent.stopping", "warning", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def install_sync_handler(request: Any) -> None:
    """SIGHUP asks for a sync now (`request(reason)`), like `gitops sync`."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGHUP, lambda signum, frame: request("SIGHUP"))


def run_agent(args: argparse.Namespace) -> int:
    """Handle `gitops agent`."""
    from gitops_agent.agent import run
    from gitops_agent.engines import EngineConfigError
    from gitops_agent.server import parse_listen, start_server

    try:
        listen = parse_listen(args.listen) if args.listen else None
    except ValueError as exc:
        return _fail(str(exc))
    try:
        cfg = _config(
            args,
            interval=args.interval,
            once=args.once,
            drift_interval=args.drift_interval,
            auto_remediate=args.auto_remediate,
            listen=args.listen,
            lock_lease=args.lease,
        )
    except UsageError as exc:
        return _fail(str(exc))
    from gitops_agent.journal import JournalError

    try:  # refuse a missing, damaged or tampered journal before anything runs
        journal = _open(args.journal, cfg.state_dir, create=True, verify=True)
    except JournalError as exc:
        return _fail(str(exc))
    stop = threading.Event()
    try:
        reconciler = _reconciler(cfg, stop, journal)
        reporter = _reporter(args, cfg, reconciler)
    except (EngineConfigError, UsageError) as exc:
        return _fail(str(exc))
    install_stop_handlers(stop)
    install_sync_handler(reconciler.trigger.request)
    server = None
    if listen:
        try:
            server = start_server(
                *listen,
                ready=reconciler.is_ready,
                metrics=reconciler.metrics.render,
                routes=_routes(cfg.branch, reconciler.trigger.request),
            )
        except OSError as exc:
            return _fail(f"--listen {args.listen}: {exc.strerror or exc}")
        from gitops_agent.logs import log

        log("agent.listening", address=f"{listen[0]}:{server.server_address[1]}")
    from gitops_agent.logs import log as log_event

    log_event("agent.journal", journal=journal.display)  # the URL's password is masked
    try:
        result = run(reconciler)
    finally:
        if server is not None:
            server.shutdown()
        if reporter is not None:
            reporter.close(timeout=15.0)
    if result.error and result.revision is None and not reconciler.ready:
        return _fail(result.error)  # the repository or branch cannot be used at all
    if result.error and cfg.once:
        _fail(result.error)  # e.g. a refused force-push: one plain line after the JSON log
    return 0 if result.ok else 1


def _routes(branch: str, wake: Any) -> dict[str, Any]:
    """The POST routes of --listen: the GitHub push hook and /sync."""
    import os

    from gitops_agent.webhooks import SECRET_ENV, github_route, sync_route

    secret = os.environ.get(SECRET_ENV, "").encode() or None
    return {"/hooks/github": github_route(secret, branch, wake), "/sync": sync_route(secret, wake)}


def _reporter(args: argparse.Namespace, cfg: Any, reconciler: Any) -> Any:
    """Commit statuses (token + owner/repo known, not --no-commit-status) and --notify URLs, wired to
    the reconciler's outcomes through a background queue; None when there is nothing to report to."""
    import os

    from gitops_agent.commit_status import CommitStatuses, github_repo_of
    from gitops_agent.logs import log
    from gitops_agent.notify import Notifier
    from gitops_agent.reporting import Outcome, Reporter, ReportQueue

    sinks: list[Any] = []
    bad = next((u for u in args.notify if not u.startswith(("http://", "https://"))), None)
    if bad is not None:
        raise UsageError(f"--notify {bad!r}: expected an http(s) URL")
    if args.notify:
        sinks.append(Notifier(tuple(args.notify)))
    if not args.no_commit_status:
        try:
            owner_repo = github_repo_of(cfg.repo, args.github_repo)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        statuses = CommitStatuses.from_environment(owner_repo, os.environ, target_url=args.status_url)
        if statuses is not None:
            sinks.append(statuses)
        elif args.github_repo or args.status_url:
            log("report.statuses_off", "warning", reason="no GITOPS_GITHUB_TOKEN or GITHUB_TOKEN set")
    if not sinks:
        return None
    metrics = reconciler.metrics
    reporter = Reporter(
        sinks,
        ReportQueue(
            on_failure=lambda kind: metrics.report_failures.labels(kind=kind).inc(),
            on_success=lambda kind: metrics.reports.labels(kind=kind).inc(),
        ),
    )
    reconciler.on_outcome = lambda outcome, commit: reporter.report(
        Outcome(
            project=outcome.project,
            env=cfg.env,
            revision=commit.sha,
            action=outcome.action or "",
            summary=outcome.message,
        )
    )
    return reporter


def run_sync(args: argparse.Namespace) -> int:
    """Handle `gitops sync`: POST /sync to a running agent (bearer token from GITOPS_WEBHOOK_SECRET)."""
    from gitops_agent.server import parse_listen
    from gitops_agent.sync_client import SyncClientError, request_sync

    try:
        host, port = parse_listen(args.listen)
        message = request_sync(host, port)
    except (ValueError, SyncClientError) as exc:
        return _fail(str(exc))
    Console(highlight=False).print(message)
    return 0


def _table(title: str, columns: list[str], rows: list[list[str]], caption: str | None = None) -> None:
    table = Table(title=title, caption=f"compared: {caption}" if caption else None)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def _open(
    url: str | None, state_dir: Path, *, create: bool = False, read_only: bool = True, verify: bool = False
) -> Any:
    """The journal at `url` (default: the state dir's SQLite file); JournalError says what is wrong.

    `read_only` SQLite works on a copy of a live state directory; `create` makes a missing journal.
    """
    from gitops_agent.journal import open_journal

    where = state_dir.expanduser().resolve()
    return open_journal(url, where, create=create, read_only=read_only and not create, verify=verify)


def _journal(args: argparse.Namespace) -> Any:
    """The journal of a reading command, or a one-line error (exit 2) as a string."""
    from gitops_agent.journal import JournalError

    try:
        return _open(args.journal, args.state_dir)
    except JournalError as exc:
        return str(exc)


def run_status(args: argparse.Namespace) -> int:
    """Handle `gitops status`."""
    from gitops_agent.journal import JournalError

    journal = _journal(args)
    if isinstance(journal, str):
        return _fail(journal)
    try:
        states = journal.states()
    except JournalError as exc:
        return _fail(str(exc))
    if args.format == "json":
        print(json.dumps([s.contract() for s in states], indent=2))
        return 0
    _table(
        "stacks",
        ["project", "env", "status", "revision", "digest", "updated", "message"],
        [
            [
                s.project,
                s.env,
                "suspended" if s.suspended else s.status,
                (s.revision or "")[:12],
                (s.plan_digest or "")[:12],
                s.updated_at,
                _suspension(s) or s.message,
            ]
            for s in states
        ],
    )
    return 0


def _suspension(state: Any) -> str:
    if not state.suspended:
        return ""
    why = f": {state.suspended.reason}" if state.suspended.reason else ""
    return f"suspended by {state.suspended.by} at {state.suspended.at}{why} (was {state.status})"


def run_history(args: argparse.Namespace) -> int:
    """Handle `gitops history` (`--verify`: 0 chain intact, 1 broken link, 2 no usable journal)."""
    from gitops_agent.journal import JournalError

    journal = _journal(args)
    if isinstance(journal, str):
        return _fail(journal)
    try:
        if args.verify:
            report = journal.verify()
            if report.broken:
                print(f"chain broken: {report.broken}")
                return 1
            print(f"chain intact ({report.rows} rows)")
            return 0
        entries = journal.history(args.project)
    except JournalError as exc:
        return _fail(str(exc))
    if args.format == "json":
        print(json.dumps([e.contract() for e in entries], indent=2))
        return 0
    _table(
        "history",
        ["at", "project", "env", "action", "revision", "author", "subject", "summary"],
        [
            [e.at, e.project, e.env, e.action, e.revision[:12], e.author, e.subject, e.summary]
            for e in entries
        ],
    )
    return 0


def run_drift(args: argparse.Namespace) -> int:
    """Handle `gitops drift`: exit 1 when a stack drifted (even if remediated) or could not be checked."""
    from gitops_agent.drift import check_drift
    from gitops_agent.engines import EngineConfigError
    from gitops_agent.journal import JournalError
    from gitops_agent.source import SourceError

    try:
        cfg = _config(args, once=True, auto_remediate=args.auto_remediate)
        journal = _open(args.journal, cfg.state_dir, read_only=False, verify=True)
        reconciler = _reconciler(cfg, threading.Event(), journal)
        results = check_drift(reconciler, remediate=args.auto_remediate)
    except (EngineConfigError, SourceError, UsageError, JournalError) as exc:
        return _fail(str(exc))
    if args.format == "json":
        print(json.dumps([r.model_dump() for r in results], indent=2))
    else:
        _table(
            "drift",
            ["project", "env", "revision", "drifted", "remediated", "summary"],
            [
                [r.project, r.env, r.revision[:12], str(r.drifted), str(r.remediated), r.error or r.summary]
                for r in results
            ],
            caption="; ".join(sorted({r.compared for r in results if r.compared})),
        )
    return 1 if any(r.drifted or r.error for r in results) else 0


def run_stack(args: argparse.Namespace) -> int:
    """Handle `gitops stack suspend|resume PROJECT --env ENV`."""
    from gitops_agent.journal import JournalError

    by = args.by or f"{getpass.getuser()}@{socket.gethostname()}"
    try:
        journal = _open(args.journal, args.state_dir, read_only=False, verify=True)
        change = journal.suspend if args.suspend else journal.resume
        entry = change(args.project, args.env, by, args.reason)
    except JournalError as exc:
        return _fail(str(exc))
    verb = "suspended" if args.suspend else "resumed"
    if entry is None:
        print(f"{args.project}/{args.env}: already {verb if args.suspend else 'eligible (not suspended)'}")
    else:
        print(f"{args.project}/{args.env}: {verb} by {by} (history row {entry.id})")
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    """Handle `gitops rollback COMMIT`."""
    from gitops_agent.rollback import RollbackError, revert_commit

    try:
        commit = revert_commit(args.repo, args.commit, branch=args.branch, push=args.push, remote=args.remote)
    except RollbackError as exc:
        return _fail(str(exc))
    where = f" and pushed to {args.remote}" if args.push else ""
    Console(highlight=False).print(f"reverted {args.commit} with {commit.sha[:12]} ({commit.subject}){where}")
    return 0
