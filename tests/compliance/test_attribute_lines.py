"""Findings point at the keyword argument that set the attribute a check evaluated."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from compliance.attribute_lines import AttributeLines, _Calls, keyword_line, python_keywords
from compliance.bridge import to_terraform_plan
from compliance.model import Resource, SourcePosition, StackGraph
from compliance.scan import scan

PROGRAM = """\
import pulumi_aws as aws

site = aws.s3.BucketV2(
    "site",
    bucket="site-bucket",
    acl="public-read",
)
fn = aws.lambda_.Function(
    "fn",
    aws.lambda_.FunctionArgs(
        role="arn:aws:iam::123456789012:role/r",
        memory_size=512,
    ),
)
"""


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_terraform_attributes_map_to_python_keywords() -> None:
    assert python_keywords(
        "aws:lambda/function:Function", "aws_lambda_function", ["tracing_config/[0]/mode"]
    ) == ["tracing_config"]
    keys = ["access_control_policy/grant", "resource_type", "acl"]
    assert python_keywords("aws:s3/bucketV2:BucketV2", "aws_s3_bucket", keys)[-1] == "acl"


def test_keyword_line_in_the_call_or_its_args_object() -> None:
    calls = _Calls(ast.parse(PROGRAM))
    assert keyword_line(calls, 3, ["acl"]) == line_of(PROGRAM, "acl=")
    assert keyword_line(calls, 8, ["memory_size"]) == line_of(PROGRAM, "memory_size=")
    assert keyword_line(calls, 8, ["tracing_config"]) is None
    assert keyword_line(calls, 1, ["acl"]) is None


@pytest.mark.slow
def test_a_builtin_check_points_at_the_keyword_and_keeps_the_call_line(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(PROGRAM)
    at = SourcePosition(file="main.py", line=line_of(PROGRAM, "aws.s3.BucketV2("))
    bucket = Resource(
        urn="urn:pulumi:dev::p::aws:s3/bucketV2:BucketV2::site",
        type="aws:s3/bucketV2:BucketV2",
        name="site",
        id="site-bucket",
        inputs={"bucket": "site-bucket", "acl": "public-read"},
        source=at,
    )
    graph = StackGraph(project="p", path=".", env="dev", resources=[bucket])
    findings = scan([(graph, to_terraform_plan(graph))], lines=AttributeLines(tmp_path))[("p", "dev")]
    (public,) = [f for f in findings if f.check_id == "CKV_AWS_20"]
    assert public.result == "failed"
    assert public.line == line_of(PROGRAM, 'acl="public-read"')
    assert public.call_line == at.line
    # a check on an attribute the call does not set stays on the call's line
    logging = [f for f in findings if f.check_id == "CKV_AWS_18"]
    assert logging and all(f.line == at.line for f in logging)


def position_of(text: str, needle: str) -> SourcePosition:
    return SourcePosition(file="__main__.py", line=line_of(text, needle))


def test_a_file_parsed_ahead_is_used_only_while_its_bytes_are_unchanged(tmp_path: Path) -> None:
    from compliance import attribute_lines
    from compliance.attribute_lines import preparse

    program = tmp_path / "__main__.py"
    program.write_text(PROGRAM)
    site = Resource(urn="urn:site", type="aws:s3/bucketV2:BucketV2", name="site", custom=True)
    assert list(preparse(tmp_path, [program])) == [None]  # one step per file
    assert program.read_bytes() in attribute_lines._PREPARSED
    at = position_of(PROGRAM, '"site"')
    assert AttributeLines(tmp_path).line_for(site, at, "aws_s3_bucket", ["acl"]) == line_of(PROGRAM, "acl=")
    assert program.read_bytes() not in attribute_lines._PREPARSED  # used once

    list(preparse(tmp_path, [program]))
    changed = PROGRAM.replace('    acl="public-read",\n', '    tags={"a": "b"},\n    acl="public-read",\n')
    program.write_text(changed)  # a program rewrote the file while it ran: the new bytes count
    lines = AttributeLines(tmp_path)
    assert lines.line_for(site, position_of(changed, '"site"'), "aws_s3_bucket", ["acl"]) == line_of(
        changed, "acl="
    )


def test_python_files_largest_first_without_environments_hidden_dirs_or_links(tmp_path: Path) -> None:
    from compliance.discovery import SKIP_DIRS
    from compliance.source_files import python_files

    (tmp_path / "small.py").write_text("x = 1\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "big.py").write_text("x = 1\n" * 100)
    (tmp_path / "lib" / "notes.txt").write_text("x" * 1000)
    for hidden in (".venv", ".git", "venv"):
        (tmp_path / hidden).mkdir()
        (tmp_path / hidden / "huge.py").write_text("x = 1\n" * 1000)
    (tmp_path / "link.py").symlink_to(tmp_path / "lib" / "big.py")
    assert python_files([tmp_path], SKIP_DIRS, 10) == [tmp_path / "lib" / "big.py", tmp_path / "small.py"]
    assert python_files([tmp_path], SKIP_DIRS, 1) == [tmp_path / "lib" / "big.py"]
