"""The `gitops` console script: one parser, subcommands registered by the packages that own them."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import importlib
import os
import sys
import threading
from collections.abc import Callable, Sequence

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


REGISTRARS = (
    "compliance.cli",
    "compliance.installer",
    "compliance.preview.cli",
    "gitops_agent.commands",
    "gitops_agent.scaffold",
)
"""Modules whose `register(subparsers)` adds subcommands, in help order; imported only when needed."""


def _registrar(module: str) -> Registrar:
    register: Registrar = importlib.import_module(module).register
    return register


def version() -> str:
    """The installed distribution's version (the source tree's when run from a checkout)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("gitops-iac")
    except PackageNotFoundError:
        return "0+unknown"


class _Version(argparse.Action):
    """`--version`: looks the version up only when asked (reading package metadata takes a while)."""

    def __init__(
        self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object
    ) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version and exit"
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(f"gitops {version()}")
        parser.exit()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The `gitops` argument parser: every subcommand, or with `command` only the packages up to the
    one that defines it (a run starts sooner; unknown commands get the full parser and its error)."""
    parser = argparse.ArgumentParser(
        prog="gitops", description="GitOps for Pulumi on AWS: compliance gate and reconciler."
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in REGISTRARS:
        _registrar(module)(sub)
        if command is not None and command in sub.choices:
            break
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first argument not an option), if any."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status (0 ok, 1 findings/failures, 2 usage or config error)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command(arguments))
    args = parser.parse_args(arguments)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return int(handler(args))


def console() -> None:
    """The `gitops` console script: main(), then a quick exit.

    A gate run leaves Checkov's and pulumi_aws's millions of objects behind, and the interpreter's
    teardown (its final garbage collection, then freeing every module) costs a noticeable share of
    a run. When main() leaves no other thread running, the atexit handlers (logging shutdown,
    finalizers such as temporary-directory cleanup) and the stream flushes run, then the process
    ends without the teardown. Otherwise the exit is the normal one.
    """
    code = main()
    gc.freeze()
    if threading.active_count() == 1:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said
                stream.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    console()
