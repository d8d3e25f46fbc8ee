"""The `gitops` console script: one parser, subcommands registered by the packages that own them."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import os
import sys
import threading
from collections.abc import Callable, Sequence

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _registrars() -> list[Registrar]:
    """Each package adds its subcommands; only working ones are listed here."""
    from compliance.cli import register as register_check
    from compliance.installer import register as register_install
    from compliance.preview.cli import register as register_preview
    from gitops_agent.commands import register as register_agent
    from gitops_agent.scaffold import register as register_init

    return [register_check, register_install, register_preview, register_agent, register_init]


def version() -> str:
    """The installed distribution's version (the source tree's when run from a checkout)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("gitops-iac")
    except PackageNotFoundError:
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    """The full `gitops` argument parser."""
    parser = argparse.ArgumentParser(
        prog="gitops", description="GitOps for Pulumi on AWS: compliance gate and reconciler."
    )
    parser.add_argument("--version", action="version", version=f"gitops {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in _registrars():
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status (0 ok, 1 findings/failures, 2 usage or config error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
