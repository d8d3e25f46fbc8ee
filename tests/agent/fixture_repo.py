"""A real Git repository of four tiny Pulumi stacks (a -> b -> c via StackReference, and d) + policies/."""

from __future__ import annotations

import textwrap
from pathlib import Path

import git

PROGRAM_A = """
import pulumi
import pulumi_aws as aws

bucket = aws.s3.BucketV2("a-bucket", bucket="a-bucket-{version}", tags={{"team": "a"}})
queue = aws.sqs.Queue("a-queue", name="a-queue", sqs_managed_sse_enabled={encrypted})
pulumi.export("bucket_name", bucket.bucket)
pulumi.export("version", "{version}")
"""

PROGRAM_DEPENDENT = """
import pulumi
import pulumi_aws as aws

config = pulumi.Config()
upstream = pulumi.StackReference(config.require("{key}"))
topic = aws.sns.Topic("{name}-topic", name="{name}-topic-{version}",
                      tags={{"upstream": upstream.get_output("{output}")}})
pulumi.export("{name}_name", topic.name)
"""

PROGRAM_D = """
import os

import pulumi
import pulumi_aws as aws

# The environment of the evaluation leaks into the desired state here on purpose: the drift tests
# change FIXTURE_D_SUFFIX to play "the tooling/environment changed since the last apply".
suffix = os.environ.get("FIXTURE_D_SUFFIX", "")
queue = aws.sqs.Queue("d-queue", name=f"d-queue-{version}{{suffix}}", sqs_managed_sse_enabled=True)
pulumi.export("queue_name", queue.name)
"""


def _project(root: Path, name: str, program: str, config: dict[str, str]) -> None:
    d = root / "stacks" / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    lines = "".join(f"  {name}:{k}: {v}\n" for k, v in config.items())
    (d / "Pulumi.dev.yaml").write_text(f"config:\n  aws:region: us-east-1\n{lines}")
    (d / "__main__.py").write_text(textwrap.dedent(program).lstrip())


ENFORCEMENT = """\
# Only SQS encryption blocks in the fixture; everything else Checkov reports is advisory.
default: advisory
checks:
  CKV_AWS_27: mandatory
"""


def write_stack(root: Path, name: str, version: str = "1", *, compliant: bool = True) -> None:
    """(Re)write project `name` of the fixture at `version` (a change of version changes its digest).

    `compliant=False` gives stack a an unencrypted SQS queue, which the fixture policies block.
    """
    if name == "a":
        _project(root, "a", PROGRAM_A.format(version=version, encrypted=compliant), {})
    elif name == "b":
        prog = PROGRAM_DEPENDENT.format(key="aStack", name="b", output="bucket_name", version=version)
        _project(root, "b", prog, {"aStack": "organization/a/dev"})
    elif name == "c":
        prog = PROGRAM_DEPENDENT.format(key="bStack", name="c", output="b_name", version=version)
        _project(root, "c", prog, {"bStack": "organization/b/dev"})
    elif name == "d":
        _project(root, "d", PROGRAM_D.format(version=version), {})
    else:
        raise ValueError(name)


def make_repo(root: Path) -> git.Repo:
    """Create the fixture repository with one commit on `main`."""
    root.mkdir(parents=True, exist_ok=True)
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "Test Author")
        cw.set_value("user", "email", "author@example.com")
        cw.set_value("commit", "gpgsign", "false")
    for name in "abcd":
        write_stack(root, name)
    (root / "policies").mkdir(exist_ok=True)
    (root / "policies" / "enforcement.yaml").write_text(ENFORCEMENT)
    repo.git.add("-A")
    repo.git.commit("-m", "initial stacks")
    return repo


def commit_all(repo: git.Repo, message: str) -> str:
    """Stage everything and commit; returns the new sha."""
    repo.git.add("-A")
    repo.git.commit("-m", message)
    return repo.head.commit.hexsha
