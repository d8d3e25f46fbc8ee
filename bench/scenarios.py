"""The measured scenarios: gate vs Checkov by size, peak memory, multi-stack --changed-since, agent cycles.

Every scenario runs the real console scripts (`gitops`, `checkov`) in subprocesses on generated inputs
in a temporary directory and returns a pydantic result that run.py prints and writes as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from bench.generate import commit_stack_change, copy_policies, write_hcl, write_multistack_repo, write_program
from bench.measure import Run, best_of, growth_exponent, linear_fit, run
from bench.spec import UNIT_SIZE

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[1]
Log = Callable[[str], None]
Env = dict[str, str]


def gitops_bin() -> str:
    """The `gitops` console script of this virtualenv."""
    return str(BIN / "gitops")


def checkov_bin() -> str:
    """The `checkov` console script of this virtualenv."""
    return str(BIN / "checkov")


def stamp() -> dict[str, Any]:
    """When a scenario ran and how loaded the (shared) machine was."""
    return {"at": datetime.now(UTC).isoformat(timespec="seconds"), "loadavg_1m": round(os.getloadavg()[0], 2)}


def best(runs: Sequence[Run]) -> Run | None:
    """The fastest successful run (exit 0 or 1 with a result: findings are a normal outcome)."""
    good = [r for r in runs if r.ok]
    return min(good, key=lambda r: r.wall_s) if good else None


def expect_output(r: Run, produced: Path, what: str) -> Run:
    """Mark `r` failed when it did not write `produced` (a crash also exits 1)."""
    if r.error is None and (not produced.is_file() or not produced.read_text().strip()):
        r.error = f"no {what} written"
    return r


def timed(cmd: Sequence[str], cwd: Path, env: dict[str, str], produced: Path, what: str, **kw: Any) -> Run:
    """Run `cmd` after removing its previous output, and check it wrote a new one."""
    produced.unlink(missing_ok=True)
    return expect_output(run(cmd, cwd=cwd, env=env, **kw), produced, what)


def gate_summary(report_file: Path) -> dict[str, Any]:
    """Counts from a `gitops check --format json` report."""
    if not report_file.is_file():
        return {}
    data = json.loads(report_file.read_text())
    summary = data.get("summary", {})
    keep = ("stacks", "resources", "passed", "failed", "advisory_failed", "skipped", "errors")
    return {k: summary.get(k) for k in keep} | {"reported_stacks": [s["project"] for s in data["stacks"]]}


def checkov_summary(stdout_file: Path) -> dict[str, Any]:
    """Counts from `checkov -o json` output (one runner object or a list of them)."""
    if not stdout_file.is_file() or not stdout_file.read_text().strip():
        return {}
    data = json.loads(stdout_file.read_text())
    totals = {"passed": 0, "failed": 0, "resource_count": 0, "parsing_errors": 0}
    for part in data if isinstance(data, list) else [data]:
        summary = part.get("summary", part)
        for key in totals:
            totals[key] += int(summary.get(key, 0) or 0)
    return totals


# --- bytecode warm-up -----------------------------------------------------------------------------


def warm_bytecode(tmp: Path, env: Env, log: Log) -> list[Run]:
    """Fill the bytecode cache: one small gate run, one Checkov run and one mock evaluation, untimed.

    The evaluation worker runs with PYTHONDONTWRITEBYTECODE=1 (compliance/evaluate.py), so the
    modules only it imports (pulumi_aws resource modules) are cached by bench.mock_eval instead.
    """
    log("warming the bytecode cache")
    ws = prepare(tmp, UNIT_SIZE)
    return [
        run(gate_cmd(ws.program, tmp / "warm.json"), cwd=ws.root, env=env),
        run(checkov_cmd(ws.hcl), cwd=ws.root, env=env),
        run([sys.executable, "-m", "bench.mock_eval", str(ws.root / ws.program)], cwd=REPO, env=env),
    ]


def failed_by_check(gate_report: Path, checkov_out: Path) -> dict[str, list[int]]:
    """Checkov's own checks whose failure counts differ between the gate and Checkov on HCL.

    {check_id: [gate failed, checkov failed]}; our custom checks (CKV_ORG_*) only run in the gate and
    are left out. Empty means the gate found exactly what Checkov finds on the equivalent HCL.
    """
    if not gate_report.is_file() or not checkov_out.is_file():
        return {}
    gate: Counter[str] = Counter(
        f["check_id"]
        for s in json.loads(gate_report.read_text())["stacks"]
        for f in s["findings"]
        if f["result"] == "failed" and not f["check_id"].startswith("CKV_ORG_")
    )
    data = json.loads(checkov_out.read_text())
    checkov: Counter[str] = Counter(
        r["check_id"]
        for part in (data if isinstance(data, list) else [data])
        for r in part.get("results", {}).get("failed_checks", [])
    )
    return {k: [gate[k], checkov[k]] for k in sorted(set(gate) | set(checkov)) if gate[k] != checkov[k]}


# --- gate vs Checkov -------------------------------------------------------------------------------


class Workspace(BaseModel):
    """Generated inputs for one size: a repo-like root with stacks/<program>, policies/ and hcl/."""

    root: Path
    program: Path
    hcl: Path


def prepare(tmp: Path, resources: int) -> Workspace:
    """Write the program, its HCL twin and a copy of policies/ under `tmp/ws-<resources>`."""
    root = tmp / f"ws-{resources}"
    program = write_program(root / "stacks" / f"bench-{resources}", resources)
    hcl = write_hcl(root / "hcl", resources)
    copy_policies(REPO / "policies", root)
    return Workspace(root=root, program=program.relative_to(root), hcl=hcl.relative_to(root))


def gate_cmd(program: Path, out: Path) -> list[str]:
    """`gitops check <program> --format json --out <file>` (evaluation timeout raised for 3,500 resources)."""
    return [gitops_bin(), "check", str(program), "--format", "json", "--out", str(out), "--timeout", "900"]


def checkov_cmd(hcl: Path) -> list[str]:
    """`checkov -d <hcl> --quiet --compact -o json --skip-download`."""
    return [checkov_bin(), "-d", str(hcl), "--quiet", "--compact", "-o", "json", "--skip-download"]


class SizeResult(BaseModel):
    """Gate and Checkov at one program size."""

    resources: int
    gate_runs: list[Run]
    checkov_runs: list[Run]
    gate_best_s: float | None = None
    checkov_best_s: float | None = None
    ratio: float | None = Field(default=None, description="gate / checkov, best wall times")
    cpu_ratio: float | None = Field(default=None, description="gate / checkov, CPU time of the best runs")
    gate_ms_per_resource: float | None = None
    checkov_ms_per_resource: float | None = None
    gate_summary: dict[str, Any] = Field(default_factory=dict)
    checkov_summary: dict[str, Any] = Field(default_factory=dict)
    failed_differences: dict[str, list[int]] = Field(
        default_factory=dict,
        description="Checkov check id -> [gate failed, checkov failed], where they differ",
    )
    stamp: dict[str, Any] = Field(default_factory=dict)


class GateResult(BaseModel):
    """Gate vs Checkov over all sizes, with growth fits."""

    sizes: list[SizeResult]
    gate_exponent: float | None = None
    checkov_exponent: float | None = None
    gate_fixed_s: float | None = None
    gate_marginal_ms_per_resource: float | None = None
    gate_exponent_largest: float | None = Field(
        default=None, description="exponent between the two largest sizes, where fixed costs matter least"
    )
    checkov_exponent_largest: float | None = None
    gate_cpu_exponent: float | None = None
    checkov_cpu_exponent: float | None = None
    checkov_fixed_s: float | None = None
    checkov_marginal_ms_per_resource: float | None = None
    commands: dict[str, str] = Field(default_factory=dict)


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def gate_vs_checkov(tmp: Path, sizes: Sequence[int], repeats: int, env: Env, log: Log) -> GateResult:
    """Time the gate and Checkov on the same estate at each size, interleaved, best of `repeats`."""
    results: list[SizeResult] = []
    for n in sizes:
        ws = prepare(tmp, n)
        report, ck_out = tmp / f"gate-{n}.json", tmp / f"checkov-{n}.json"
        gate_runs: list[Run] = []
        ck_runs: list[Run] = []
        started = stamp()
        for i in range(repeats):
            log(f"gate vs checkov: {n} resources, run {i + 1}/{repeats}")
            gate_runs.append(timed(gate_cmd(ws.program, report), ws.root, env, report, "report"))
            ck_runs.append(timed(checkov_cmd(ws.hcl), ws.root, env, ck_out, "json", stdout=ck_out))
            if not gate_runs[-1].ok or not ck_runs[-1].ok:
                break
        g, c = best(gate_runs), best(ck_runs)
        results.append(
            SizeResult(
                resources=n,
                gate_runs=gate_runs,
                checkov_runs=ck_runs,
                gate_best_s=g.wall_s if g else None,
                checkov_best_s=c.wall_s if c else None,
                ratio=_ratio(g.wall_s if g else None, c.wall_s if c else None),
                cpu_ratio=_ratio(g.cpu_s if g else None, c.cpu_s if c else None),
                gate_ms_per_resource=round(1000 * g.wall_s / n, 2) if g else None,
                checkov_ms_per_resource=round(1000 * c.wall_s / n, 2) if c else None,
                gate_summary=gate_summary(report),
                checkov_summary=checkov_summary(ck_out),
                failed_differences=failed_by_check(report, ck_out),
                stamp=started,
            )
        )
    out = GateResult(
        sizes=results,
        commands={
            "gate": " ".join(gate_cmd(Path("stacks/bench-N"), Path("report.json"))),
            "checkov": " ".join(checkov_cmd(Path("hcl"))),
        },
    )
    points = [(s.resources, s.gate_best_s, s.checkov_best_s) for s in results]
    gate_pts = [(n, t) for n, t, _ in points if t]
    ck_pts = [(n, t) for n, _, t in points if t]
    if len(gate_pts) >= 2:
        out.gate_exponent_largest = _round(growth_exponent(*zip(*gate_pts[-2:], strict=True)))
        out.gate_exponent = _round(growth_exponent(*zip(*gate_pts, strict=True)))
        fit = linear_fit(*zip(*gate_pts, strict=True))
        if fit:
            out.gate_fixed_s, out.gate_marginal_ms_per_resource = round(fit[0], 2), round(1000 * fit[1], 2)
    for attr, pick in (("gate_cpu_exponent", "gate_runs"), ("checkov_cpu_exponent", "checkov_runs")):
        cpu_pts = [(s.resources, b.cpu_s) for s in results if (b := best(getattr(s, pick)))]
        if len(cpu_pts) >= 2:
            setattr(out, attr, _round(growth_exponent(*zip(*cpu_pts, strict=True))))
    if len(ck_pts) >= 2:
        out.checkov_exponent_largest = _round(growth_exponent(*zip(*ck_pts[-2:], strict=True)))
        out.checkov_exponent = _round(growth_exponent(*zip(*ck_pts, strict=True)))
        fit = linear_fit(*zip(*ck_pts, strict=True))
        if fit:
            out.checkov_fixed_s, out.checkov_marginal_ms_per_resource = (
                round(fit[0], 2),
                round(1000 * fit[1], 2),
            )
    return out


def _round(x: float | None) -> float | None:
    return round(x, 3) if x is not None else None


# --- memory ------------------------------------------------------------------------------------------


class MemoryResult(BaseModel):
    """Peak memory of one gate run and one Checkov run at one size."""

    resources: int
    gate: Run
    checkov: Run
    stamp: dict[str, Any] = Field(default_factory=dict)


def memory(tmp: Path, sizes: Sequence[int], env: Env, log: Log) -> list[MemoryResult]:
    """One sampled run of each tool per size: largest process (ru_maxrss) and summed tree RSS."""
    out: list[MemoryResult] = []
    for n in sizes:
        ws = prepare(tmp, n) if not (tmp / f"ws-{n}").is_dir() else _existing(tmp, n)
        log(f"memory: {n} resources")
        started = stamp()
        report, ck_out = tmp / f"gate-mem-{n}.json", tmp / f"checkov-mem-{n}.json"
        g = timed(gate_cmd(ws.program, report), ws.root, env, report, "report", sample_memory=True)
        c = timed(checkov_cmd(ws.hcl), ws.root, env, ck_out, "json", stdout=ck_out, sample_memory=True)
        out.append(MemoryResult(resources=n, gate=g, checkov=c, stamp=started))
    return out


def _existing(tmp: Path, n: int) -> Workspace:
    root = tmp / f"ws-{n}"
    return Workspace(root=root, program=Path("stacks") / f"bench-{n}", hcl=Path("hcl"))


# --- multi-stack repository ---------------------------------------------------------------------------


class MultiStackResult(BaseModel):
    """`gitops check` over all stacks vs `--changed-since HEAD~1` after a one-stack commit."""

    stacks: int
    resources_per_stack: int
    changed: str
    all_runs: list[Run]
    changed_runs: list[Run]
    all_best_s: float | None = None
    changed_best_s: float | None = None
    speedup: float | None = None
    all_summary: dict[str, Any] = Field(default_factory=dict)
    changed_summary: dict[str, Any] = Field(default_factory=dict)
    depends_on: dict[str, list[str]] = Field(default_factory=dict)
    stamp: dict[str, Any] = Field(default_factory=dict)


def multistack(
    tmp: Path, repeats: int, env: Env, log: Log, *, stacks: int = 20, changed: str = "svc-01"
) -> MultiStackResult:
    """A 20-stack Git repo, one commit changing `changed`; full check vs --changed-since, interleaved."""
    repo = write_multistack_repo(tmp / "multistack", stacks=stacks, policies=REPO / "policies")
    commit_stack_change(repo, changed)
    all_out, changed_out = tmp / "ms-all.json", tmp / "ms-changed.json"
    base = [gitops_bin(), "check", "stacks", "--format", "json"]
    all_runs: list[Run] = []
    changed_runs: list[Run] = []
    started = stamp()
    for i in range(repeats):
        log(f"multi-stack: run {i + 1}/{repeats}")
        all_runs.append(timed([*base, "--out", str(all_out)], repo.root, env, all_out, "report"))
        changed_runs.append(
            timed(
                [*base, "--changed-since", "HEAD~1", "--out", str(changed_out)],
                repo.root,
                env,
                changed_out,
                "report",
            )
        )
        if not all_runs[-1].ok or not changed_runs[-1].ok:
            break
    a, c = best(all_runs), best(changed_runs)
    return MultiStackResult(
        stacks=stacks,
        resources_per_stack=14,
        changed=changed,
        all_runs=all_runs,
        changed_runs=changed_runs,
        all_best_s=a.wall_s if a else None,
        changed_best_s=c.wall_s if c else None,
        speedup=_ratio(a.wall_s if a else None, c.wall_s if c else None),
        all_summary=gate_summary(all_out),
        changed_summary=gate_summary(changed_out),
        depends_on={k: v for k, v in repo.depends_on.items() if v},
        stamp=started,
    )


# --- agent ---------------------------------------------------------------------------------------------


def agent_events(log_file: Path) -> dict[str, int]:
    """Counts of the agent's JSON log events (stack.applied, stack.unchanged, ...) in one run's stderr."""
    counts: Counter[str] = Counter()
    if not log_file.is_file():
        return {}
    for line in log_file.read_text().splitlines():
        try:
            event = json.loads(line).get("event")
        except (ValueError, AttributeError):
            continue
        if isinstance(event, str) and event.startswith("stack."):
            counts[event] += 1
    return dict(counts)


class AgentResult(BaseModel):
    """Reconcile cycles of `gitops agent --once` (plan-only engine) on a 20-stack repo."""

    stacks: int
    changed: str
    command: str
    warmup: Run
    idle_runs: list[Run]
    changed_runs: list[Run]
    idle_best_s: float | None = None
    changed_best_s: float | None = None
    events: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="per cycle kind: stack.* log events of its last run"
    )
    stamp: dict[str, Any] = Field(default_factory=dict)


def agent(
    tmp: Path, repeats: int, env: Env, log: Log, *, stacks: int = 20, changed: str = "svc-01"
) -> AgentResult:
    """Warm-up sync, then `repeats` idle cycles, then `repeats` cycles each after a one-stack commit."""
    repo = write_multistack_repo(tmp / "agent-repo", stacks=stacks, policies=REPO / "policies")
    state = tmp / "agent-state"
    cmd = [
        gitops_bin(),
        "agent",
        "--repo",
        str(repo.root),
        "--engine",
        "plan-only",
        "--once",
        "--state-dir",
        str(state),
    ]
    started = stamp()
    log("agent: warm-up sync")
    logs = {kind: tmp / f"agent-{kind}.log" for kind in ("warmup", "idle", "changed")}
    warm = run(cmd, cwd=tmp, env=env, stderr=logs["warmup"])

    def ok(r: Run) -> bool:
        return r.ok

    idle: list[Run] = []
    if ok(warm):
        log("agent: idle cycles")
        idle = best_of(repeats, lambda: run(cmd, cwd=tmp, env=env, stderr=logs["idle"]), ok)
    changed_runs: list[Run] = []
    for i in range(repeats if idle and ok(idle[-1]) else 0):
        log(f"agent: cycle after a commit to {changed}, {i + 1}/{repeats}")
        commit_stack_change(repo, changed, revision=i + 1)
        changed_runs.append(run(cmd, cwd=tmp, env=env, stderr=logs["changed"]))
        if not ok(changed_runs[-1]):
            break
    i_best, c_best = best(idle), best(changed_runs)
    return AgentResult(
        stacks=stacks,
        changed=changed,
        command=" ".join(cmd[1:]),
        warmup=warm,
        idle_runs=idle,
        changed_runs=changed_runs,
        idle_best_s=i_best.wall_s if i_best else None,
        changed_best_s=c_best.wall_s if c_best else None,
        events={kind: agent_events(path) for kind, path in logs.items()},
        stamp=started,
    )
