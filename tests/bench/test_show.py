"""`python -m bench.run --show/--markdown` on a fresh clone shows the committed results."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import run


def test_show_and_markdown_fall_back_to_the_committed_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(run, "OUT", tmp_path / "never-run.json")  # a fresh clone: no local run
    assert run.results_file(None) == run.LATEST
    assert run.main(["--markdown"]) == 0
    text = capsys.readouterr().out
    assert "### Machine" in text and "| 700 |" in text.replace("  ", " ")


def test_show_of_a_missing_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run.main(["--show", "--out", str(tmp_path / "nope.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.json" in err[0]
