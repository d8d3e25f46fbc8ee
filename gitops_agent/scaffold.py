"""`gitops init`: add the gate to an existing Pulumi repository, never overwriting a file.

Adds `policies/` (Checkov's defaults: every check mandatory; an empty waivers file with a commented
example), a pull-request workflow that runs the gate through this project's GitHub Action, and
CODEOWNERS entries that put the policies and the workflow under review.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from compliance.discovery import project_dirs

__all__ = ["DEFAULT_ACTION", "Planned", "plan", "register", "write"]

TEMPLATES = Path(__file__).with_name("init_templates")
DEFAULT_ACTION = "acme/gitops-iac@v1"
"""The `uses:` reference of this project's GitHub Action; `--action` sets the real one."""


@dataclass(frozen=True)
class Planned:
    """One file `gitops init` would write: where (relative to the repository) and what."""

    path: str
    content: str


def _project_dirs(root: Path) -> list[str]:
    """Directories (relative, POSIX) that hold a Pulumi.yaml, as the gate discovers them."""
    return [d.relative_to(root).as_posix() for d in project_dirs(root)]


def _common_parent(dirs: Sequence[str]) -> str:
    """The one path the workflow checks: the projects' common parent directory ('.' for the root)."""
    if not dirs:
        return "."
    split = [d.split("/") if d != "." else [] for d in dirs]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    if len(dirs) == 1 and split[0]:
        return "/".join(split[0])
    return "/".join(common) or "."


def plan(root: Path, *, env: str, action: str, owners: str) -> list[Planned]:
    """The files to add to the repository at `root` (whether they exist or not)."""
    paths = _common_parent(_project_dirs(root))
    workflow = (
        (TEMPLATES / "workflows" / "gitops-check.yml")
        .read_text()
        .replace("__ACTION__", action)
        .replace("__ENV__", env)
        .replace("__PATHS__", paths)
    )
    codeowners = (
        "# Policies and the workflow that applies them change only with a review from their owners.\n"
        f"/policies/                          {owners}\n"
        f"/.github/workflows/gitops-check.yml {owners}\n"
        f"/.github/CODEOWNERS                 {owners}\n"
    )
    return [
        Planned("policies/enforcement.yaml", (TEMPLATES / "policies" / "enforcement.yaml").read_text()),
        Planned("policies/waivers.yaml", (TEMPLATES / "policies" / "waivers.yaml").read_text()),
        Planned(".github/workflows/gitops-check.yml", workflow),
        Planned(".github/CODEOWNERS", codeowners),
    ]


def write(root: Path, planned: Sequence[Planned]) -> tuple[list[str], list[str]]:
    """Create each planned file that does not exist yet: (created, skipped) relative paths."""
    created, skipped = [], []
    for item in planned:
        target = root / item.path
        if target.exists() or target.is_symlink():
            skipped.append(item.path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as handle:  # "x": never replace a file
            handle.write(item.content)
        created.append(item.path)
    return created, skipped


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `init` subcommand."""
    p = sub.add_parser(
        "init",
        help="add policies/, a pull-request workflow and CODEOWNERS entries to a Pulumi repository",
        description="Never overwrites a file: existing files are listed as skipped. Exit 0, or 2 on error.",
    )
    p.add_argument("dir", nargs="?", type=Path, default=Path("."), metavar="DIR")
    p.add_argument("--env", default="dev", help="stack the PR workflow checks (default dev)")
    p.add_argument("--action", default=DEFAULT_ACTION, help=f"`uses:` of the gate action ({DEFAULT_ACTION})")
    p.add_argument(
        "--owners", default="@org/platform-security", help="CODEOWNERS owners of policies/ and the workflow"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle `gitops init`."""
    root: Path = args.dir
    if not root.is_dir():
        print(f"gitops init: {root}: not a directory", file=sys.stderr)
        return 2
    planned = plan(root, env=args.env, action=args.action, owners=args.owners)
    try:
        created, skipped = write(root, planned)
    except OSError as exc:
        print(f"gitops init: {exc.filename or root}: {exc.strerror}", file=sys.stderr)
        return 2
    for path in created:
        print(f"created {path}")
    for path in skipped:
        print(f"skipped {path} (exists; compare it with `gitops init` in an empty directory)")
    if not _project_dirs(root):
        print(f"note: no Pulumi.yaml under {root}; the workflow checks '.'", file=sys.stderr)
    return 0
