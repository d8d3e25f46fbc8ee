"""`gitops preview` on real Git histories: each kind of change between a base commit and the
working tree, evaluated for real (mock runtime, Checkov, policies) in one run over three stacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from preview_repo import PreviewRepo

from compliance.preview.model import Preview
from compliance.preview.render_markdown import render_markdown

COMPONENT = """\
import pulumi
import pulumi_aws as aws

RETENTION = {retention}


class Queues(pulumi.ComponentResource):
    def __init__(self, name, count, opts=None):
        super().__init__("acme:index:Queues", name, None, opts)
        self.queues = [
            aws.sqs.Queue(
                f"{{name}}-{{i}}",
                message_retention_seconds=RETENTION,
                sqs_managed_sse_enabled=True,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for i in range(count)
        ]
        self.register_outputs({{}})
"""

APP_BASE = """\
import pulumi
import pulumi_aws as aws
from platform_components import Queues

orders = aws.sqs.Queue("orders", visibility_timeout_seconds=30, kms_master_key_id="alias/orders")
scratch = aws.sqs.Queue("scratch", sqs_managed_sse_enabled=False)
legacy = aws.sqs.Queue("legacy", sqs_managed_sse_enabled=True)
audit = aws.s3.BucketV2("audit")
Queues("batch", 12)
pulumi.export("orders_url", orders.url)
"""

APP_HEAD = """\
import pulumi
import pulumi_aws as aws
from platform_components import Queues

orders = aws.sqs.Queue("orders", visibility_timeout_seconds=60, sqs_managed_sse_enabled=False)
scratch = aws.sqs.Queue("scratch", kms_master_key_id="alias/scratch")
legacy = aws.sqs.Queue("legacy-v2", sqs_managed_sse_enabled=True)
audit = aws.s3.BucketV2("audit-logs", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="audit")]))
Queues("batch", 12)
pulumi.export("orders_url", orders.url)
pulumi.export("orders_arn", orders.arn)
"""

DB_BASE = """\
import pulumi
import pulumi_aws as aws

table = aws.dynamodb.Table(
    "orders-table",
    hash_key="id",
    attributes=[{"name": "id", "type": "S"}],
    billing_mode="PAY_PER_REQUEST",
    opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True),
)
cache = aws.sqs.Queue("cache", sqs_managed_sse_enabled=True, opts=pulumi.ResourceOptions(protect=True))
"""

DB_HEAD = """\
import pulumi
import pulumi_aws as aws

cache = aws.sqs.Queue("cache", sqs_managed_sse_enabled=True)
"""

BROKEN_BASE = """\
raise RuntimeError("broken at the base")
"""

BROKEN_HEAD = """\
import pulumi_aws as aws

aws.sqs.Queue("ok", sqs_managed_sse_enabled=True)
"""


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[PreviewRepo, str, dict[str, Any]]:
    repo = PreviewRepo(tmp_path_factory.mktemp("preview") / "repo")
    repo.write("stacks/platform_components/__init__.py", COMPONENT.format(retention=345600))
    repo.project("app", APP_BASE)
    repo.project("db", DB_BASE)
    repo.project("broken", BROKEN_BASE)
    base = repo.commit("base")
    repo.write("stacks/platform_components/__init__.py", COMPONENT.format(retention=1209600))
    repo.write("stacks/app/__main__.py", APP_HEAD)
    repo.write("stacks/db/__main__.py", DB_HEAD)
    repo.write("stacks/broken/__main__.py", BROKEN_HEAD)
    proc, data = repo.preview_json("--base", base)
    assert proc.returncode == 0, proc.stderr
    return repo, base, data


def stack(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in data["stacks"] if s["project"] == name)


def change(stack_data: dict[str, Any], op: str, name: str) -> dict[str, Any]:
    return next(c for c in stack_data["changes"] if c["op"] == op and c["resource"] == name)


@pytest.mark.slow
def test_property_change(history: tuple[PreviewRepo, str, dict[str, Any]]) -> None:
    _, base, data = history
    assert data["base"] == base
    orders = change(stack(data, "app"), "update", "orders")
    props = {p["path"]: (p["before"], p["after"]) for p in orders["properties"]}
    assert props["visibility_timeout_seconds"] == (30, 60)
    assert props["kms_master_key_id"] == ("alias/orders", None)
    assert orders["file"] == "stacks/app/__main__.py" and orders["line"] == 5


@pytest.mark.slow
def test_rename_with_and_without_alias(history: tuple[PreviewRepo, str, dict[str, Any]]) -> None:
    app = stack(history[2], "app")
    audit = change(app, "update", "audit-logs")
    assert audit["renamed_from"].endswith("aws:s3/bucketV2:BucketV2::audit")
    assert not [c for c in app["changes"] if c["resource"] == "audit" and c["op"] == "delete"]
    gone = change(app, "delete", "legacy")
    assert gone["stateful"] and gone["unaliased_rename"].endswith("::legacy-v2")
    assert change(app, "create", "legacy-v2")["unaliased_rename"].endswith("::legacy")


@pytest.mark.slow
def test_component_default_updates_many_resources(history: tuple[PreviewRepo, str, dict[str, Any]]) -> None:
    app = stack(history[2], "app")
    batch = [c for c in app["changes"] if c["resource"].startswith("batch-")]
    assert len(batch) == 12 and {c["op"] for c in batch} == {"update"}
    assert {p["path"] for c in batch for p in c["properties"]} == {"message_retention_seconds"}
    assert app["summary"] == {"create": 1, "update": 15, "delete": 1, "same": 1}


@pytest.mark.slow
def test_deleted_database_is_protected_and_retained(history: tuple[PreviewRepo, str, dict[str, Any]]) -> None:
    db = stack(history[2], "db")
    table = change(db, "delete", "orders-table")
    assert table["stateful"] and table["protect"] and table["retain_on_delete"]
    cache = change(db, "update", "cache")
    assert cache["protect_before"] is True and cache["protect"] is False


@pytest.mark.slow
def test_outputs_and_findings(history: tuple[PreviewRepo, str, dict[str, Any]]) -> None:
    app = stack(history[2], "app")
    assert [(o["name"], o["before"] is None) for o in app["outputs"]] == [("orders_arn", True)]
    new = {(f["check_id"], f["resource"]) for f in app["findings"]["new"]}
    fixed = {(f["check_id"], f["resource"]) for f in app["findings"]["fixed"]}
    assert ("CKV_AWS_27", "orders") in new
    assert ("CKV_AWS_27", "scratch") in fixed
    assert ("CKV_AWS_27", "orders") not in fixed


@pytest.mark.slow
def test_stack_failing_at_base_is_an_error_for_that_stack_only(
    history: tuple[PreviewRepo, str, dict[str, Any]],
) -> None:
    _, base, data = history
    broken = stack(data, "broken")
    assert broken["error"].startswith(f"at {base}:") and "broken at the base" in broken["error"]
    assert broken["changes"] == []
    assert stack(data, "app")["error"] is None and stack(data, "db")["error"] is None


@pytest.mark.slow
def test_markdown_of_the_real_run(history: tuple[PreviewRepo, str, dict[str, Any]]) -> None:
    text = render_markdown(Preview.model_validate(history[2]))
    attention = text.index("**Needs attention**")
    assert text.index("orders-table", attention) < text.index("<details>")
    assert "🛡️ `protect` turned **off**: `cache`" in text


def test_bad_revision_and_no_project_exit_2(tmp_path: Path) -> None:
    repo = PreviewRepo(tmp_path / "repo")
    repo.project("app", BROKEN_HEAD)
    repo.commit("one")
    proc = repo.gitops("preview", "--base", "no-such-rev")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no-such-rev" in proc.stderr
    proc = repo.gitops("preview", "missing", "--base", "HEAD")
    assert proc.returncode == 2 and "missing: no such project directory" in proc.stderr


@pytest.mark.slow
def test_check_markdown_groups_findings_by_base(history: tuple[PreviewRepo, str, dict[str, Any]]) -> None:
    repo, base, _ = history
    proc = repo.gitops("check", "stacks/app", "--changed-since", base, "--format", "markdown")
    assert proc.returncode == 1, proc.stderr
    text = proc.stdout
    section = text[text.index(f"### Compared with `{base}`") :]
    section = section[: section.index("\n### ", 1)]
    assert "**1 new** failed findings · **1 fixed**" in section
    new = next(line for line in section.splitlines() if line.startswith("| ❗ new"))
    fixed = next(line for line in section.splitlines() if line.startswith("| ✅ fixed"))
    assert "`CKV_AWS_27` | `orders`" in new and "`CKV_AWS_27` | `scratch`" in fixed
    assert text.index("### Compared with") < text.index("### Failed checks")
