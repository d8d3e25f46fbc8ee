"""`gitops preview`: what a change does to each affected stack, offline, against a base revision."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from rich.console import Console

from compliance.cli import positive_int, positive_seconds

__all__ = ["FORMATS", "register", "run"]

FORMATS = ("table", "json", "markdown")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `preview` subcommand."""
    p = sub.add_parser(
        "preview",
        help="what a change does to each affected stack (offline: no cloud, no credentials)",
        description="Exit 0: the preview was produced (changes or not); 2: usage or configuration error.",
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="project dir or dir of projects")
    p.add_argument(
        "--base", required=True, metavar="REV", help="Git revision to compare with (e.g. the PR base)"
    )
    p.add_argument("--env", default="dev", help="stack/environment, reads Pulumi.<env>.yaml (default dev)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--out", type=Path, help="write the preview here instead of stdout")
    p.add_argument(
        "--policies-from",
        metavar="REV",
        help="judge findings at both revisions with policies/ of REV (default: --base)",
    )
    p.add_argument("--max-chars", type=int, default=20000, help="markdown: size budget (default 20000)")
    p.add_argument(
        "--jobs", type=positive_int, default=2, help="stacks evaluated at once per revision (default 2)"
    )
    p.add_argument("--timeout", type=positive_seconds, default=120.0, help="seconds per stack evaluation")
    p.set_defaults(handler=run)


def _error(message: str) -> None:
    sys.stderr.write(f"gitops preview: {' '.join(message.split())}\n")


def run(args: argparse.Namespace) -> int:
    """Handle `gitops preview`; returns the exit status."""
    import git

    from compliance.cli import _repo_root, check_out_path, write_report
    from compliance.errors import ConfigError
    from compliance.preview.render_markdown import render_markdown
    from compliance.preview.render_table import render_table
    from compliance.preview.run import run_preview
    from policies.errors import PolicyConfigError

    repo_root = _repo_root(Path.cwd()).resolve()
    paths = args.paths or [Path("stacks")]
    try:
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise ConfigError(f"{missing[0]}: no such project directory")
        if args.out is not None:
            check_out_path(args.out)  # before anything is evaluated
        preview = run_preview(
            paths,
            args.env,
            repo_root=repo_root,
            base=args.base,
            policies_from=args.policies_from,
            jobs=args.jobs,
            timeout=args.timeout,
        )
    except (ConfigError, PolicyConfigError) as exc:
        _error(str(exc))
        return 2
    except (git.GitCommandError, git.BadName, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _error(first)
        return 2
    if args.format == "table" and args.out is None:
        render_table(preview, Console(file=sys.stdout, highlight=False))
    else:
        if args.format == "json":
            text = preview.model_dump_json(indent=2) + "\n"
        elif args.format == "markdown":
            text = render_markdown(preview, max_chars=args.max_chars)
        else:
            console = Console(record=True, width=160, file=io.StringIO(), highlight=False)
            render_table(preview, console)
            text = console.export_text()
        if args.out:
            write_report(args.out, text)
        else:
            sys.stdout.write(text)
    for stack in preview.stacks:
        if stack.error:
            _error(f"{stack.project} ({stack.path}): {stack.error}")
    return 0
