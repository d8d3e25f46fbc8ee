"""Reports over hostile input: names, messages, paths, titles and waivers a stack program or a user
check controls must not become links, mentions, HTML or table cells, and no one value may flood a
report."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt
from report_samples import make_finding
from rich.console import Console

from compliance import report as r
from compliance.model import Report, StackReport, Unchecked
from compliance.report.escape import ZWJ, cap_text, code, text

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
EVIL = "[approve](https://evil.example) @org/team"
HOSTILE = [
    EVIL,
    "![x](https://evil.example/p.png)",
    "<!-- hide the rest",
    "<img src=x onerror=alert(1)>",
    "a | b | c",
    "`tick` and ``double``",
    "**bold** _it_ ~~gone~~ $x^2$",
    "visit www.evil.example or mail ops@evil.example",
    "fixes #1 for @octocat",
    "line one\nline two\r\n# heading",
]


def hostile_report(name: str) -> Report:
    waiver = {"reason": f"reason {name}", "owner": f"owner {name}", "expires": "2027-01-31"}
    stack = StackReport(
        project=f"proj {name}",
        path=f"stacks/{name}",
        env=f"env {name}",
        resources=4,
        error=f"error {name}",
        findings=[
            make_finding(resource=name, type=f"type {name}", title=f"title {name}", file=f"{name}.py"),
            make_finding(check_id="CKV_AWS_21", resource=name, result="passed", title=f"passed {name}"),
            make_finding(check_id="CKV_AWS_18", resource=name, result="waived", waiver=waiver),
            make_finding(
                check_id="CKV_ORG_99", title=name, guideline=f"https://x.example/{name}", level="advisory"
            ),
        ],
        unchecked=[Unchecked(resource=name, type=f"awsx:{name}", reason="unexpanded remote component")],
        confinement=name,
    )
    summary = {
        "waivers": {
            "expired": [{"check": "CKV_AWS_1", "resource": name, "owner": name, "expires": "2020-01-01"}],
            "expiring": [{"check": "CKV_AWS_2", "resource": name, "stack": name, "expires": "2026-12-01"}],
            "stale": [{"check": "CKV_AWS_3", "resource": name, "did_you_mean": name}],
        },
        "policies": {"source": name, "differs": [name]},
        "changed_since": name,
        "frameworks": {name: {"title": name, "passing": [name], "failing": [name], "waived": []}},
    }
    return Report(stacks=[stack], summary=summary)


def outside_code(markdown: str) -> str:
    """The Markdown without code spans, <code> elements and link targets (our own links' URLs)."""
    markdown = re.sub(r"<code>.*?</code>", "", markdown)
    markdown = re.sub(r"\]\((https://[^)\s]*)\)", "]", markdown)
    return re.sub(r"`[^`\n]*`", "", markdown)


def rendered(markdown: str) -> str:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


@pytest.mark.parametrize("name", HOSTILE)
def test_markdown_renders_hostile_text_inert(name: str) -> None:
    md = r.render_markdown(hostile_report(name), link_base="https://github.com/o/r/blob/abc/")
    html = rendered(md)
    # no link or image other than ours (guideline and location links point at our own hosts)
    hrefs = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert all(
        h.startswith(
            ("https://github.com/o/r/blob/abc/", "https://x.example/", "https://docs.prismacloud.io/")
        )
        for h in hrefs
    ), hrefs
    assert "<img" not in html and "<script" not in html and "<h1" not in html
    assert "<strong>bold" not in html and "<em>it" not in html and "<s>gone" not in html
    # the only HTML comment is the sticky marker
    assert md.count("<!--") == 1 and md.startswith(r.MARKER)
    # no bare URL, www. or @mention GitHub would autolink, outside code
    prose = outside_code(md)
    assert "://evil" not in prose and "www.evil" not in prose
    assert not re.search(r"(?<![\w`])@[A-Za-z0-9]", prose), prose
    assert not re.search(r"(?<![\w&])#\d", prose)
    # every table row has exactly its columns
    for line in md.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            header = {7: "waived", 6: "failed", 9: "stacks", 5: "frameworks", 4: "unchecked"}
            assert len(cells) in header, line
    # the text is still there for a reader, just inert
    visible = re.sub(r"<[^>]+>", "", html).replace(ZWJ, "")
    first_word = name.split()[0].strip("[]()!<>`*_~$#").split("](")[0]
    assert first_word in visible.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def test_the_issue_example_is_neither_a_link_nor_a_mention() -> None:
    stack = StackReport(
        project="p",
        path="stacks/p",
        env="dev",
        resources=1,
        findings=[make_finding(resource=EVIL, result="passed")],
    )
    md = r.render_markdown(Report(stacks=[stack]))
    passed = next(line for line in md.splitlines() if line.startswith("- `CKV_AWS_145`"))
    assert "\\[approve\\]\\(https:" + ZWJ + "//evil.example\\) @" + ZWJ + "org/team" in passed
    assert "<a " not in rendered(md)


def test_code_keeps_plain_names_in_backticks_and_escapes_the_rest() -> None:
    assert code("orders-api") == "`orders-api`"
    assert code("@org/team") == "`@org/team`"  # GitHub mentions nothing inside code
    assert code("a`b") == "<code>a\\`b</code>"
    assert code("<!-- x") == "<code>&lt;\\!-- x</code>"
    assert code("a|b") == "<code>a\\|b</code>"
    assert text("x\n# y") == "x \\# y"


def test_a_huge_error_is_capped_and_the_other_errors_still_show() -> None:
    flood = StackReport(project="flood", path="stacks/flood", env="dev", resources=0, error="E" * 10_000_000)
    others = [
        StackReport(
            project=f"s{i}", path=f"stacks/s{i}", env="dev", resources=0, error=f"boom-{i} ImportError"
        )
        for i in range(3)
    ]
    rep = Report(stacks=[flood, *others])
    md = r.render_markdown(rep)
    assert len(md) <= r.MAX_MARKDOWN_CHARS < r.COMMENT_LIMIT
    assert all(f"boom-{i} ImportError" in md for i in range(3))
    assert "more characters cut; the full text is in the log" in md
    for rendered_text in (r.render_json(rep), r.render_junit(rep), json.dumps(r.render_sarif(rep))):
        assert len(rendered_text) < 100_000
    console = Console(record=True, width=100, file=io.StringIO())
    r.render_table(rep, console)
    assert len(console.export_text()) < 20_000


def test_cap_text() -> None:
    assert cap_text("short") == "short"
    capped = cap_text("x" * 10_000, 1000)
    assert len(capped) == 1000 and capped.endswith("[9000 more characters cut; the full text is in the log]")


def test_markdown_stays_under_the_comment_limit_with_hostile_rows() -> None:
    findings = [make_finding(resource=f"{EVIL} {i}", title="|" * 300) for i in range(2000)]
    stack = StackReport(project="p", path="stacks/p", env="dev", resources=2000, findings=findings)
    md = r.render_markdown(Report(stacks=[stack]), max_chars=r.COMMENT_LIMIT)
    assert len(md) <= r.COMMENT_LIMIT
    assert "more failed findings not shown (comment size limit)" in md


def test_table_strips_terminal_escapes() -> None:
    nasty = "ok\x1b[2J\x1b]0;pwned\x07name"
    stack = StackReport(
        project=nasty,
        path="stacks/p",
        env="dev",
        resources=1,
        error=nasty,
        findings=[make_finding(resource=nasty)],
    )
    out = io.StringIO()
    r.render_table(Report(stacks=[stack]), Console(file=out, width=200, force_terminal=True))
    assert "\x1b[2J" not in out.getvalue() and "\x1b]0;" not in out.getvalue()


def test_junit_is_well_formed_with_control_characters() -> None:
    stack = StackReport(
        project="p",
        path="stacks/p",
        env="dev",
        resources=1,
        error="bad \x00\x01 bytes",
        findings=[make_finding(resource="r\x1b[0m", title="t\x08")],
    )
    root = ET.fromstring(r.render_junit(Report(stacks=[stack])))
    assert root.get("failures") == "1" and root.get("errors") == "1"


@pytest.mark.parametrize("name", HOSTILE)
def test_sarif_and_junit_stay_valid_with_hostile_text(name: str) -> None:
    rep = hostile_report(name)
    jsonschema.validate(r.render_sarif(rep), SCHEMA)
    ET.fromstring(r.render_junit(rep))


def test_bidirectional_overrides_are_removed_everywhere() -> None:
    name = "invoice\u202etxt.exe\u2066"
    rep = hostile_report(name)
    console = Console(record=True, width=120, file=io.StringIO())
    r.render_table(rep, console)
    for out in (r.render_markdown(rep), console.export_text(), code(name), text(name)):
        assert "\u202e" not in out and "\u2066" not in out
