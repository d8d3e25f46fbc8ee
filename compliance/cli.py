"""`gitops check`: the compliance gate on the command line."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from compliance.errors import ConfigError

if TYPE_CHECKING:  # imported at run time only after the first program started (pydantic is slow)
    from compliance.evaluation.starter import EarlyStart
    from compliance.model import Report, StackGraph

FORMATS = ("table", "json", "markdown", "sarif", "junit")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `check` subcommand."""
    p = sub.add_parser(
        "check",
        help="evaluate Pulumi programs offline and run Checkov and our policies on them",
        description="Exit 0: no failed mandatory finding; 1: failed findings; 2: usage or evaluation error.",
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="project dir or dir of projects")
    p.add_argument("--env", default="dev", help="stack/environment, reads Pulumi.<env>.yaml (default dev)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--out", type=Path, help="write the report here instead of stdout")
    p.add_argument("--changed-since", metavar="REV", help="only stacks affected since REV")
    p.add_argument("--policies-from", metavar="REV", help="read policies/ from Git revision REV")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--from-preview", type=Path, metavar="FILE", help="`pulumi preview --json` output")
    src.add_argument("--from-state", type=Path, metavar="FILE", help="`pulumi stack export` output")
    p.add_argument(
        "--link-base",
        metavar="URL",
        help="markdown: prefix for file:line links, e.g. https://github.com/o/r/blob/<sha>/",
    )
    p.add_argument("--jobs", type=positive_int, default=2, help="stacks evaluated at once (default 2)")
    p.add_argument("--timeout", type=positive_seconds, default=120.0, help="seconds per stack evaluation")
    p.add_argument(
        "--sandbox",
        choices=("required", "auto", "off"),
        default="auto",
        help="confine each program (required: fail where the sandbox cannot run; default auto)",
    )
    p.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="stack config value for every program (repeatable), e.g. --config myproject:dbName=orders",
    )
    p.set_defaults(handler=run)


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def positive_seconds(text: str) -> float:
    """argparse type: a finite number of seconds > 0 (`nan`, `inf`, 0 and negatives are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds above 0")
    return value


def check_out_path(out: Path) -> None:
    """ConfigError unless the report can be written to `out` (checked before any evaluation)."""
    if out.is_dir():
        raise ConfigError(f"--out {out}: is a directory")
    parent = out.parent if str(out.parent) else Path(".")
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"--out {out}: {existing} is not a directory")
    target = out if out.exists() else existing
    if not os.access(target, os.W_OK) or (not out.exists() and not os.access(existing, os.X_OK)):
        raise ConfigError(f"--out {out}: not writable")


def write_report(out: Path, text: str) -> None:
    """Write the report atomically: a temporary file beside `out`, then renamed over it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _repo_root(start: Path) -> Path:
    """The Git working tree containing `start`, or `start` itself outside a repository."""
    from compliance.worktree import git_toplevel

    return git_toplevel(start) or start


def run(args: argparse.Namespace) -> int:
    """Handle `gitops check`; returns the exit status (128 + N when signal N stopped it).

    Unless the graphs come from a file, a program process starts first of all (it imports its SDK
    while this one imports the gate: compliance.evaluation.starter.early_start).
    """
    from compliance.evaluation.starter import early_start
    from compliance.processes import Stopped, stop_on_signals

    with stop_on_signals():
        try:
            repo_root = _repo_root(Path.cwd()).resolve()
            programs = not (args.from_preview or args.from_state)
            with early_start(repo_root if programs else None, args.sandbox) as early:
                return _run(args, repo_root, early)
        except Stopped as exc:  # every evaluation it started is already killed
            _error(f"stopped by {exc.name}; running evaluations were killed")
            return exc.status


@contextlib.contextmanager
def _progress_display(shown: bool) -> Iterator[Callable[[StackGraph], None] | None]:
    """The progress display on stderr while programs evaluate (table format; nothing otherwise, and
    rich is not even imported): yields the callback for each evaluated stack."""
    if not shown:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    # No stdout/stderr redirect: colorama (imported with Checkov meanwhile) would keep the proxy
    # and print its exit-time reset through it, as two stray `[0m` lines.
    with Progress(
        console=Console(file=sys.stderr), transient=True, redirect_stdout=False, redirect_stderr=False
    ) as progress:
        task = progress.add_task("evaluating stacks", total=None)
        yield lambda g: progress.update(
            task, advance=1, description=f"evaluated {g.project} ({len(g.resources)} resources)"
        )


def _run(args: argparse.Namespace, repo_root: Path, early: EarlyStart) -> int:
    from compliance import check_process, gate
    from compliance.evaluate import parse_overrides
    from policies.errors import PolicyConfigError

    paths = args.paths or [Path("stacks")]
    try:
        if args.out is not None:
            check_out_path(args.out)
        if args.from_preview or args.from_state:
            from compliance.imports import graph_from_preview, graph_from_state

            source = args.from_preview or args.from_state
            if not source.is_file():
                raise ConfigError(f"{source}: no such file")
            # An optional PATH names the project the file came from: findings then point at
            # repository-relative files, as they do for evaluated programs.
            project_path = None
            if args.paths:
                project_path = os.path.relpath(args.paths[0].resolve(), repo_root)
            load = graph_from_preview if args.from_preview else graph_from_state
            graph = load(source, project_path=project_path, repo_root=repo_root)
            result = gate.check_with_policies(
                [graph], args.env, repo_root=repo_root, policies_from=args.policies_from
            )
        else:
            missing = [str(p) for p in paths if not p.exists()]
            if missing:
                raise ConfigError(f"{missing[0]}: no such project directory")
            # The check process is forked first, before the progress display starts its thread.
            with (
                check_process.checker(gate.warm_up, idle=gate.idle_work(paths, repo_root)) as checker,
                _progress_display(args.format == "table") as on_evaluated,
            ):
                result = gate.run_check(
                    paths,
                    args.env,
                    repo_root=repo_root,
                    changed_since=args.changed_since,
                    policies_from=args.policies_from,
                    jobs=args.jobs,
                    timeout=args.timeout,
                    sandbox=args.sandbox,
                    config_overrides=parse_overrides(args.config),
                    checker=checker,
                    on_evaluated=on_evaluated,
                    early=early,
                )
    except (ConfigError, PolicyConfigError, check_process.CheckProcessDied) as exc:
        _error(str(exc))
        return 2
    except Exception as exc:  # a bad revision or range: one line, status 2; anything else propagates
        import git  # GitPython only when something failed: the programs start sooner without it

        if not isinstance(exc, git.GitCommandError | git.BadName | ValueError):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _error(first)
        return 2

    from compliance import report

    if args.format == "table" and args.out is None:
        from rich.console import Console

        report.render_table(result, Console(file=sys.stdout))
    else:
        text = {
            "table": lambda: _table_text(result),
            "json": lambda: report.render_json(result),
            "markdown": lambda: _grouped(
                report.render_markdown(result, link_base=args.link_base), result, args
            ),
            "sarif": lambda: json.dumps(report.render_sarif(result), indent=2),
            "junit": lambda: report.render_junit(result),
        }[args.format]()
        if args.out:
            try:
                write_report(args.out, text)
            except OSError as exc:
                sys.stdout.write(text if text.endswith("\n") else text + "\n")  # never lose the report
                _error(f"--out {args.out}: cannot write ({exc.strerror}); the report went to stdout")
                return 2
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stderr.write(report.verdict_line(result) + "\n")  # the report went elsewhere
    for stack in result.stacks:
        if stack.error:
            _error(f"{stack.project} ({stack.path}): {stack.error}")
        for item in stack.unchecked:
            if item.reason == "unexpanded remote component":
                _error(
                    f"warning: {stack.project}: {item.type} {item.resource!r} is a remote component; "
                    "the resources inside it were not checked"
                )
    return gate.exit_code(result)


def _grouped(markdown: str, result: Report, args: argparse.Namespace) -> str:
    """With --changed-since REV: the findings grouped into new / fixed / already there at REV."""
    if not args.changed_since or args.from_preview or args.from_state:
        return markdown
    from compliance.errors import ConfigError
    from compliance.preview.baseline import baseline_report, group_markdown
    from policies.errors import PolicyConfigError

    try:
        base = baseline_report(
            args.paths or [Path("stacks")],
            args.env,
            repo_root=_repo_root(Path.cwd()).resolve(),
            rev=args.changed_since,
            projects={s.project for s in result.stacks},
            policies_from=args.policies_from,
            jobs=args.jobs,
            timeout=args.timeout,
        )
    except (ConfigError, PolicyConfigError) as exc:
        _error(f"findings not grouped by {args.changed_since}: {exc}")
        return markdown
    return group_markdown(markdown, result, base, args.changed_since)


def _error(message: str) -> None:
    """One line on stderr, never wrapped (tools and people grep it)."""
    flat = " ".join(message.split())
    sys.stderr.write(f"gitops check: {flat}\n")


def _table_text(result: Report) -> str:
    """The table rendering as plain text (for --out)."""
    from rich.console import Console

    from compliance import report

    console = Console(record=True, width=140, file=io.StringIO())
    report.render_table(result, console)
    return console.export_text()
