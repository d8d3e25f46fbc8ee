"""The bench harness: growth fits, the gate/Checkov parity diff, run() bookkeeping (no timing)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bench.measure import bench_env, growth_exponent, linear_fit, run
from bench.scenarios import failed_by_check


def test_growth_exponent_recovers_power_laws() -> None:
    sizes = [70, 700, 3500]
    assert growth_exponent(sizes, [0.01 * n for n in sizes]) == pytest.approx(1.0)
    assert growth_exponent(sizes, [1e-4 * n * n for n in sizes]) == pytest.approx(2.0)
    assert growth_exponent([70], [1.0]) is None


def test_linear_fit_separates_fixed_and_marginal_cost() -> None:
    fit = linear_fit([70, 700, 3500], [5 + 0.02 * n for n in (70, 700, 3500)])
    assert fit is not None
    assert fit[0] == pytest.approx(5.0)
    assert fit[1] == pytest.approx(0.02)


def test_failed_by_check_ignores_custom_checks_and_reports_differences(tmp_path: Path) -> None:
    gate = {
        "stacks": [
            {
                "findings": [
                    {"check_id": "CKV_AWS_18", "result": "failed"},
                    {"check_id": "CKV_AWS_18", "result": "failed"},
                    {"check_id": "CKV_AWS_21", "result": "passed"},
                    {"check_id": "CKV_ORG_1", "result": "failed"},
                ]
            }
        ]
    }
    checkov = [
        {"results": {"failed_checks": [{"check_id": "CKV_AWS_18"}, {"check_id": "CKV_AWS_18"}]}},
        {"results": {"failed_checks": [{"check_id": "CKV_AWS_21"}]}},
    ]
    (tmp_path / "g.json").write_text(json.dumps(gate))
    (tmp_path / "c.json").write_text(json.dumps(checkov))
    assert failed_by_check(tmp_path / "g.json", tmp_path / "c.json") == {"CKV_AWS_21": [0, 1]}


def test_bench_env_drops_the_api_key_and_sets_bytecode_mode(tmp_path: Path) -> None:
    base = {"BC_API_KEY": "secret-key", "PYTHONDONTWRITEBYTECODE": "1", "PATH": "/bin"}
    cached = bench_env(tmp_path, cached=True, base=base)
    assert "BC_API_KEY" not in cached and "PYTHONDONTWRITEBYTECODE" not in cached
    assert cached["PYTHONPYCACHEPREFIX"] == str(tmp_path)
    assert cached["CHECKOV_RUN_SCA_PACKAGE_SCAN_V2"] == "false"
    assert bench_env(tmp_path, cached=False, base=base)["PYTHONDONTWRITEBYTECODE"] == "1"


def test_run_records_exit_code_memory_and_crashes(tmp_path: Path) -> None:
    ok = run(
        [sys.executable, "-c", "x = bytearray(80 * 2**20); print('hi')"],
        cwd=tmp_path,
        sample_memory=True,
        stdout=tmp_path / "out.txt",
    )
    assert ok.exit_code == 0 and ok.ok
    assert ok.max_rss_mb >= 80
    assert ok.tree_rss_mb is not None
    assert (tmp_path / "out.txt").read_text() == "hi\n"

    crash = run([sys.executable, "-c", "raise SystemExit(1) if False else 1/0"], cwd=tmp_path)
    assert crash.exit_code == 1
    assert crash.error == "python traceback" and not crash.ok
    assert "ZeroDivisionError" in crash.stderr_tail


def test_markdown_splice_replaces_only_between_markers() -> None:
    from bench.markdown import splice

    doc = "intro\n<!-- bench:begin -->\nold\n<!-- bench:end -->\noutro\n"
    assert splice(doc, "new\n") == "intro\n<!-- bench:begin -->\nnew\n<!-- bench:end -->\noutro\n"
    with pytest.raises(ValueError, match="markers"):
        splice("no markers", "x")


def test_agent_events_counts_stack_events_only(tmp_path: Path) -> None:
    from bench.scenarios import agent_events

    log = tmp_path / "agent.log"
    log.write_text(
        '{"event": "cycle.start", "stacks": ["svc-01"]}\n'
        '{"event": "stack.applied", "project": "svc-01"}\n'
        "not json\n"
        '{"event": "stack.unchanged", "project": "svc-05"}\n'
        '{"event": "stack.applied", "project": "svc-02"}\n'
    )
    assert agent_events(log) == {"stack.applied": 2, "stack.unchanged": 1}
    assert agent_events(tmp_path / "missing.log") == {}
