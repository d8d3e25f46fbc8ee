"""Structured logs: JSON lines, secrets never written."""

from __future__ import annotations

import io
import json

import pytest

from gitops_agent.logs import log, redact


def test_json_lines_and_secret_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "s3cr3t-pass")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "AKIAVERYSECRET")
    out = io.StringIO()
    log(
        "stack.failed",
        "error",
        stream=out,
        project="a",
        message="decrypt with s3cr3t-pass failed",
        password="x",
    )
    log("stack.applied", stream=out, project="b", count=3)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["event"] == "stack.failed" and first["level"] == "error" and first["project"] == "a"
    assert first["message"] == "decrypt with [secret] failed" and first["password"] == "[secret]"
    assert second["count"] == 3 and "time" in second
    assert "s3cr3t-pass" not in out.getvalue()
    assert redact("key AKIAVERYSECRET") == "key [secret]"


def test_bad_option_values_are_one_line_exit_2(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from gitops_agent.cli import main

    base = ["agent", "--repo", ".", "--engine", "plan-only", "--state-dir", str(tmp_path), "--once"]
    assert main([*base, "--interval", "-1"]) == 2
    assert main([*base, "--drift-interval", "0"]) == 2
    assert main([*base, "--listen", "localhost"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3
    assert "--interval" in lines[0] and "--drift-interval" in lines[1] and "HOST:PORT" in lines[2]
