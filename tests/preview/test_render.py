"""The preview's Markdown (escaping, order, size cap), table and JSON contract."""

from __future__ import annotations

import io
import json
import re

from graphs import graph, resource
from rich.console import Console

from compliance.model import Finding
from compliance.preview.diff import diff_graphs
from compliance.preview.model import FindingsDelta, Preview
from compliance.preview.render_markdown import MARKER, render_markdown
from compliance.preview.render_table import render_table

QUEUE = "aws:sqs/queue:Queue"
TABLE = "aws:dynamodb/table:Table"
HOSTILE = "[x](https://evil) @org/team <img src=x> | `tick` **bold**"


def small_preview() -> Preview:
    before = graph(
        resource(QUEUE, "orders", line=5, inputs={"visibilityTimeoutSeconds": 30}),
        resource(TABLE, "orders-table", line=9, protect=True),
        resource(QUEUE, "keep", line=12),
        resource(QUEUE, "legacy", line=14),
        outputs={"url": "a"},
    )
    after = graph(
        resource(QUEUE, "orders", line=5, inputs={"visibilityTimeoutSeconds": 60}),
        resource(QUEUE, "keep", line=12),
        resource(QUEUE, "legacy-v2", line=14),
        resource(QUEUE, "extra", line=20),
        outputs={"url": "b"},
    )
    stack = diff_graphs(before, after)
    stack.findings = FindingsDelta(
        new=[
            Finding(
                check_id="CKV_AWS_27", title="SQS encrypted", result="failed", resource="orders", type=QUEUE
            )
        ]
    )
    return Preview(base="abc123", stacks=[stack])


def test_five_resource_change_reads_top_down() -> None:
    text = render_markdown(small_preview())
    assert text.startswith(MARKER)
    lines = text.splitlines()
    count = next(i for i, line in enumerate(lines) if line.startswith("- `app`"))
    assert "+2 to create · ~1 to update · -2 to delete · 1 unchanged" in lines[count]
    assert "findings: 1 new, 0 fixed" in lines[count]
    deletes = [i for i, line in enumerate(lines) if "deletes data" in line]
    details = next(i for i, line in enumerate(lines) if line.startswith("<details>"))
    assert deletes and count < deletes[0] < details  # stateful deletes before the collapsed details
    table_line = next(line for line in lines if "deletes data" in line and "orders-table" in line)
    assert "**protected**" in table_line
    assert "`visibility_timeout_seconds`: `30` → `60`" in text
    assert "looks renamed to `legacy-v2`: no alias links them" in text
    assert "looks renamed from `legacy`: delete + create, no alias links them" in text
    assert "| `url` | `a` | `b` |" in text
    assert "❗ new" in text and "CKV_AWS_27" in text
    assert len(text) < 3000


def test_user_strings_cannot_become_links_mentions_or_html() -> None:
    before = graph(resource(QUEUE, HOSTILE, inputs={"name": HOSTILE}), project=HOSTILE)
    after = graph(
        resource(QUEUE, HOSTILE, inputs={"name": "ok"}), outputs={HOSTILE: HOSTILE}, project=HOSTILE
    )
    stack = diff_graphs(before, after)
    text = render_markdown(Preview(base=HOSTILE, stacks=[stack]))
    # every occurrence of the hostile text sits inside a code span or <code>, with pipes escaped
    outside = re.sub(r"`[^`]*`", "", text)
    outside = re.sub(r"<code>[^<]*</code>", "", outside)
    assert "https://evil" not in outside and "@org" not in outside and "<img" not in outside
    assert "&lt;img src=x&gt;" in text  # inside <summary>: HTML-escaped
    for line in text.splitlines():
        if line.startswith("| ") and "update" in line:
            cells = re.sub(r"\\\|", "", line).count("|")
            assert cells == 5  # 4 cells: the name's pipe did not split the row


def test_three_thousand_resource_change_is_bounded() -> None:
    before = graph(*(resource(QUEUE, f"q{i}", inputs={"delaySeconds": 0}) for i in range(3000)))
    after = graph(*(resource(QUEUE, f"q{i}", inputs={"delaySeconds": 5}) for i in range(3000)))
    stack = diff_graphs(before, after)
    assert stack.summary.update == 3000
    text = render_markdown(Preview(base="b", stacks=[stack, stack.model_copy(update={"project": "two"})]))
    assert len(text) <= 20000
    assert "… 2960 more" in text
    assert text.count("<details>") == text.count("</details>") == 2
    tiny = render_markdown(Preview(base="b", stacks=[stack]), max_chars=3000)
    assert len(tiny) <= 3000 and tiny.count("<details>") == tiny.count("</details>")


def test_stack_error_is_reported_for_that_stack_only() -> None:
    ok = diff_graphs(graph(), graph(resource(QUEUE, "q")))
    broken = ok.model_copy(update={"project": "broken", "error": "at abc: boom", "status": "error"})
    text = render_markdown(Preview(base="abc", stacks=[broken, ok]))
    assert "🛑 `broken` (`dev`): could not be previewed: `at abc: boom`" in text
    assert "- `app` (`dev`): +1 to create" in text


def test_json_contract_fields() -> None:
    data = json.loads(small_preview().model_dump_json())
    assert set(data) >= {"base", "stacks"}
    stack = data["stacks"][0]
    assert set(stack) >= {"project", "path", "env", "error", "changes", "outputs", "findings", "summary"}
    assert set(stack["summary"]) >= {"create", "update", "delete", "same"}
    assert set(stack["findings"]) >= {"new", "fixed"}
    for change in stack["changes"]:
        assert set(change) >= {"op", "urn", "resource", "type", "file", "line", "properties", "stateful"}
        assert change["op"] in ("create", "update", "delete")
        for prop in change["properties"]:
            assert set(prop) >= {"path", "before", "after"}
    assert set(stack["outputs"][0]) >= {"name", "before", "after"}
    assert set(stack["findings"]["new"][0]) >= {"check_id", "title", "result", "resource", "type", "level"}


def test_table_never_interprets_names_as_markup() -> None:
    stack = diff_graphs(graph(), graph(resource(QUEUE, "[bold red]x[/]")))
    out = io.StringIO()
    render_table(Preview(base="b", stacks=[stack]), Console(file=out, width=200))
    assert "[bold red]x[/]" in out.getvalue()
