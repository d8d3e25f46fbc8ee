"""Reporting back: commit statuses and notifications against a fake API on 127.0.0.1, including its
failures (500s, timeouts): retried, then counted, never fatal and never delaying a sync."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import git
import pytest

from gitops_agent.agent import Reconciler
from gitops_agent.cli import main
from gitops_agent.commit_status import CommitStatuses, description, github_repo_of, status_state
from gitops_agent.notify import Notification, Notifier
from gitops_agent.reporting import Outcome, Reporter, ReportQueue, safe_target

TOKEN = "ghp_not-a-real-token-0123456789"


class FakeAPI:
    """Records every POST; answers with the next queued status (default 201), optionally after a delay."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.delay = 0.0
        self.hold = threading.Event()
        self.hold.set()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                api.hold.wait(30)
                time.sleep(api.delay)
                api.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": json.loads(body or b"{}")}
                )
                code = api.answers.pop(0) if api.answers else 201
                try:
                    self.send_response(code)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def api() -> Iterator[FakeAPI]:
    fake = FakeAPI()
    try:
        yield fake
    finally:
        fake.hold.set()
        fake.server.shutdown()


OUTCOME = Outcome(
    project="orders", env="prod", revision="a" * 40, action="applied", summary="create=2 same=1"
)


def test_status_mapping_description_and_repo_names() -> None:
    assert [status_state(a) for a in ("applied", "unchanged", "remediated", "failed", "blocked")] == [
        "success",
        "success",
        "success",
        "failure",
        "error",
    ]
    assert status_state("drifted") is None
    long = description("x" * 500)
    assert len(long) == 140 and long.endswith("…")
    assert description("two\nlines") == "two lines"
    assert github_repo_of("https://github.com/acme/infra.git") == "acme/infra"
    assert github_repo_of("git@github.com:acme/infra.git") == "acme/infra"
    assert github_repo_of("ssh://git@github.example.com/acme/infra") == "acme/infra"
    assert github_repo_of("/srv/git/infra") is None
    assert github_repo_of("/srv/git/infra", "acme/infra") == "acme/infra"
    with pytest.raises(ValueError, match="OWNER/REPO"):
        github_repo_of("x", "not a repo")


def test_commit_status_delivery_shape() -> None:
    sink = CommitStatuses.from_environment(
        "acme/infra", {"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": "https://ghe.example/api/v3/"}, "https://ci/x"
    )
    assert sink is not None and TOKEN not in repr(sink)
    [delivery] = sink(OUTCOME)
    assert delivery.url == f"https://ghe.example/api/v3/repos/acme/infra/statuses/{'a' * 40}"
    assert delivery.payload == {
        "state": "success",
        "context": "gitops/prod/orders",
        "description": "applied: create=2 same=1",
        "target_url": "https://ci/x",
    }
    assert delivery.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(delivery)
    assert sink(Outcome(project="o", env="e", revision="b", action="drifted", summary="")) == []
    assert CommitStatuses.from_environment("acme/infra", {}) is None
    assert CommitStatuses.from_environment(None, {"GITHUB_TOKEN": TOKEN}) is None
    preferred = CommitStatuses.from_environment("a/b", {"GITHUB_TOKEN": "x", "GITOPS_GITHUB_TOKEN": "y"})
    assert preferred is not None and preferred.token == "y"


def test_notification_payload_is_the_contract() -> None:
    [delivery] = Notifier(("http://hooks.example/abc",))(OUTCOME)
    note = Notification.model_validate(delivery.payload)
    assert (note.project, note.env, note.revision, note.outcome, note.summary) == (
        "orders",
        "prod",
        "a" * 40,
        "applied",
        "create=2 same=1",
    )
    assert note.at.endswith("+00:00")
    assert (
        safe_target("https://hooks.slack.example/services/T0/B0/secretpath?x=1")
        == "https://hooks.slack.example"
    )


def test_deliveries_reach_the_api(api: FakeAPI) -> None:
    sent: list[str] = []
    reports = ReportQueue(on_success=sent.append, base=0.01)
    sink = CommitStatuses(owner_repo="acme/infra", token=TOKEN, api_url=api.url)
    reporter = Reporter([sink, Notifier((f"{api.url}/notify",))], reports)
    reporter.report(OUTCOME)
    assert reporter.close(timeout=30)
    assert sent == ["commit_status", "notify"]
    status, note = api.requests
    assert status["path"] == f"/repos/acme/infra/statuses/{'a' * 40}"
    assert status["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert status["json"]["state"] == "success" and status["json"]["context"] == "gitops/prod/orders"
    assert note["path"] == "/notify" and note["json"]["outcome"] == "applied"
    assert "Authorization" not in note["headers"]  # the GitHub token goes to GitHub only


def test_500s_are_retried_then_counted_and_logged_once(
    api: FakeAPI, capfd: pytest.CaptureFixture[str]
) -> None:
    failed: list[str] = []
    api.answers = [500, 502, 503, 500, 201]  # 4 attempts fail; the 5th answer is never asked for
    reports = ReportQueue(on_failure=failed.append, attempts=4, base=0.01)
    sink = CommitStatuses(owner_repo="acme/infra", token=TOKEN, api_url=api.url)
    Reporter([sink], reports).report(OUTCOME)
    assert reports.close(timeout=30)
    assert failed == ["commit_status"] and len(api.requests) == 4
    err = capfd.readouterr().err
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert [r["event"] for r in records] == ["report.retry"] * 3 + ["report.failed"]
    assert records[-1]["error"] == "HTTP 503" or records[-1]["error"].startswith("HTTP 5")
    assert TOKEN not in err


def test_a_4xx_is_not_retried_and_a_recovering_api_is(api: FakeAPI) -> None:
    failed: list[str] = []
    sent: list[str] = []
    api.answers = [422, 500, 201]
    reports = ReportQueue(on_failure=failed.append, on_success=sent.append, attempts=3, base=0.01)
    notifier = Notifier((f"{api.url}/n",))
    Reporter([notifier], reports).report(OUTCOME)
    Reporter([notifier], reports).report(OUTCOME)
    assert reports.close(timeout=30)
    assert failed == ["notify"] and sent == ["notify"] and len(api.requests) == 3


def test_timeouts_are_retried_then_counted(api: FakeAPI) -> None:
    failed: list[str] = []
    api.delay = 1.0
    reports = ReportQueue(on_failure=failed.append, attempts=2, base=0.01, timeout=0.2)
    Reporter([Notifier((f"{api.url}/slow",))], reports).report(OUTCOME)
    assert reports.close(timeout=30)
    assert failed == ["notify"]


def test_an_unreachable_endpoint_is_counted(capfd: pytest.CaptureFixture[str]) -> None:
    failed: list[str] = []
    reports = ReportQueue(on_failure=failed.append, attempts=2, base=0.01)
    Reporter([Notifier(("http://127.0.0.1:9/secret-path-123",))], reports).report(OUTCOME)
    assert reports.close(timeout=30)
    assert failed == ["notify"]
    err = capfd.readouterr().err
    assert "secret-path-123" not in err and "http://127.0.0.1:9" in err


def test_a_blocked_api_never_delays_the_sync(
    api: FakeAPI, repo: git.Repo, make_reconciler: Callable[..., Reconciler]
) -> None:
    api.hold.clear()  # the API accepts connections but answers nothing until released
    reports = ReportQueue(base=0.01)
    reporter = Reporter([Notifier((f"{api.url}/n",))], reports)
    agent = make_reconciler(Path(repo.working_dir), stacks_dir="stacks/d")
    agent.on_outcome = lambda o, c: reporter.report(
        Outcome(project=o.project, env="dev", revision=c.sha, action=o.action or "", summary=o.message)
    )
    result = agent.cycle()
    assert [(o.project, o.action) for o in result.outcomes] == [("d", "applied")]
    assert api.requests == []  # the cycle finished while the report was still in flight
    api.hold.set()
    assert reporter.close(timeout=30)
    assert [r["json"]["outcome"] for r in api.requests] == ["applied"]


@pytest.mark.slow
def test_agent_cli_reports_statuses_and_notifications(
    api: FakeAPI,
    repo: git.Repo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITOPS_GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", api.url)
    args = ["agent", "--repo", repo.working_dir, "--engine", "plan-only", "--once"]
    args += ["--state-dir", str(tmp_path / "state"), "--stacks-dir", "stacks/d"]
    args += [
        "--github-repo",
        "acme/infra",
        "--notify",
        f"{api.url}/n",
        "--status-url",
        "https://ci.example/run/1",
    ]
    assert main(args) == 0
    statuses = [r for r in api.requests if "/statuses/" in r["path"]]
    notes = [r for r in api.requests if r["path"] == "/n"]
    head = repo.head.commit.hexsha
    assert [s["path"] for s in statuses] == [f"/repos/acme/infra/statuses/{head}"]
    assert statuses[0]["json"]["context"] == "gitops/dev/d"
    assert statuses[0]["json"]["target_url"] == "https://ci.example/run/1"
    assert statuses[0]["json"]["description"].startswith("applied: recorded")
    assert [n["json"]["revision"] for n in notes] == [head]
    assert TOKEN not in capfd.readouterr().err


def test_report_failures_are_counted_in_metrics(
    api: FakeAPI, repo: git.Repo, make_reconciler: Callable[..., Reconciler]
) -> None:
    from gitops_agent.cli import build_parser
    from gitops_agent.commands import _reporter

    api.answers = [500] * 4
    agent = make_reconciler(Path(repo.working_dir), stacks_dir="stacks/d")
    args = build_parser().parse_args(
        ["agent", "--repo", ".", "--notify", f"{api.url}/n", "--no-commit-status"]
    )
    reporter = _reporter(args, agent.cfg, agent)
    assert agent.cycle().ok
    assert reporter.close(timeout=60)
    text = agent.metrics.render().decode()
    assert 'gitops_report_failures_total{kind="notify"} 1.0' in text
    assert len(api.requests) == 4
