"""Write the benchmark inputs: a Pulumi program and the equivalent HCL, and a multi-stack Git repository."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.render import pulumi_program, terraform_files
from bench.spec import UNIT_SIZE, Expr, estate, unit

ENV = "dev"
ORG = "organization"


def pulumi_yaml(project: str, description: str) -> str:
    """`Pulumi.yaml` of a Python project."""
    return f"name: {project}\nruntime: python\ndescription: {json.dumps(description)}\n"


def stack_yaml(project: str, config: dict[str, str]) -> str:
    """`Pulumi.<env>.yaml` with the AWS region and the project's config (plain values only)."""
    entries = {"aws:region": "us-east-1", **{f"{project}:{k}": v for k, v in config.items()}}
    return "config:\n" + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in entries.items())


def write_program(dest: Path, resources: int, *, project: str | None = None) -> Path:
    """A Pulumi Python project of `resources` resources in `dest` (Pulumi.yaml, program, stack config)."""
    project = project or f"bench-{resources}"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "Pulumi.yaml").write_text(
        pulumi_yaml(project, f"synthetic benchmark program, {resources} resources")
    )
    (dest / f"Pulumi.{ENV}.yaml").write_text(stack_yaml(project, {"prefix": "bench"}))
    (dest / "__main__.py").write_text(pulumi_program(estate(resources)))
    return dest


def write_hcl(dest: Path, resources: int) -> Path:
    """The same `resources` resources as Terraform HCL in `dest` (main.tf + resources-NNN.tf, 70 each)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name, text in terraform_files(estate(resources)).items():
        (dest / name).write_text(text)
    return dest


def copy_policies(src: Path, dest_root: Path) -> Path | None:
    """Copy the repository's policies/ (checks, enforcement, waivers) into `dest_root`, if it exists."""
    if not src.is_dir():
        return None
    target = dest_root / "policies"
    shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True)
    return target


@dataclass(frozen=True)
class MultiStack:
    """A generated multi-stack repository: its root, projects and their StackReference dependencies."""

    root: Path
    projects: list[str]
    depends_on: dict[str, list[str]]

    def project_dir(self, name: str) -> Path:
        """The directory of project `name`."""
        return self.root / "stacks" / name


def stack_dependencies(stacks: int) -> dict[str, list[str]]:
    """svc-00 is shared; svc-01..04 reference it; svc-05 references svc-01; the rest stand alone."""
    names = [f"svc-{i:02d}" for i in range(stacks)]
    deps: dict[str, list[str]] = {n: [] for n in names}
    for n in names[1:5]:
        deps[n] = [names[0]]
    if stacks > 5:
        deps[names[5]] = [names[1]]
    return deps


def write_stack(
    root: Path, project: str, depends_on: Sequence[str], *, units: int, revision: int = 0
) -> Path:
    """One small project under `root/stacks/<project>`, reading each dependency via a StackReference."""
    idx = int(project.rsplit("-", 1)[1])
    prefix = f"svc{idx:02d}"
    config = {"prefix": prefix}
    preamble = ""
    queue_key = None
    for n, dep in enumerate(depends_on):
        key = f"dep{n}Stack"
        config[key] = f"{ORG}/{dep}/{ENV}"
        preamble += f"dep{n} = pulumi.StackReference(config.require({json.dumps(key)}))\n"
    if depends_on:
        queue_key = Expr(py='dep0.get_output("keyArn")', tf='""')
    resources = [
        r for i in range(units) for r in unit(i, prefix=prefix, queue_key=queue_key, revision=revision)
    ]
    dest = root / "stacks" / project
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "Pulumi.yaml").write_text(pulumi_yaml(project, f"benchmark stack {project}"))
    (dest / f"Pulumi.{ENV}.yaml").write_text(stack_yaml(project, config))
    exports = {"keyArn": "key_0000.arn", "queueUrl": "queue_0000.url"}
    (dest / "__main__.py").write_text(pulumi_program(resources, preamble=preamble, exports=exports))
    return dest


def git(root: Path, *args: str) -> str:
    """Run git in `root` with a fixed identity; returns stdout."""
    cmd = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *args]
    return subprocess.run(cmd, cwd=root, check=True, capture_output=True, text=True).stdout.strip()


ADVISORY_ENFORCEMENT = """# Benchmark repository: every check runs and is reported, none blocks
# (default: advisory), so the agent applies every stack and an idle cycle
# really is idle. Same checks, same cost.
default: advisory
"""


def write_multistack_repo(
    root: Path, *, stacks: int = 20, units: int = 1, policies: Path | None = None, advisory: bool = True
) -> MultiStack:
    """A Git repository (branch main, one commit) with `stacks` projects of `units`*14 resources each.

    `policies` is copied in; with `advisory`, its enforcement.yaml makes every check advisory.
    """
    deps = stack_dependencies(stacks)
    root.mkdir(parents=True, exist_ok=True)
    for name, on in deps.items():
        write_stack(root, name, on, units=units)
    if policies is not None:
        target = copy_policies(policies, root)
        if target is not None and advisory:
            (target / "enforcement.yaml").write_text(ADVISORY_ENFORCEMENT)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{stacks} stacks of {units * UNIT_SIZE} resources")
    return MultiStack(root=root, projects=list(deps), depends_on=deps)


def commit_stack_change(repo: MultiStack, project: str, *, units: int = 1, revision: int = 1) -> str:
    """Change one stack (a tag value) and commit it; returns the new commit sha."""
    write_stack(repo.root, project, repo.depends_on[project], units=units, revision=revision)
    git(repo.root, "add", "-A", "stacks")
    git(repo.root, "commit", "-q", "-m", f"{project}: revision {revision}")
    return git(repo.root, "rev-parse", "HEAD")
