"""The pulumi engine's own logic (options, order of operations, secrets, errors) on a fake Automation API,
plus an integration test that needs the Pulumi CLI and LocalStack (skipped cleanly without them)."""

from __future__ import annotations

import os
import shutil
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import git
import pytest

from compliance.model import SECRET, StackGraph
from gitops_agent import engines
from gitops_agent.cli import main
from gitops_agent.engines import EngineConfigError, EngineError, PulumiEngine, TransientEngineError
from gitops_agent.retry import backoff_delays, retry

PASSPHRASE = "correct-horse-battery-staple"


class ConcurrentUpdateError(Exception):
    """Same class name as pulumi.automation's: the engine classifies errors by it."""


class FakeStack:
    def __init__(
        self, fail: dict[str, Exception] | None = None, changes: dict[str, int] | None = None
    ) -> None:
        self.calls: list[str] = []
        self.fail = fail or {}
        self.changes = changes or {"same": 1}

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if name in self.fail:
            raise self.fail[name]

    def refresh(self) -> None:
        self._call("refresh")

    def preview(self) -> Any:
        self._call("preview")
        return SimpleNamespace(change_summary={"create": 1})

    def up(self) -> Any:
        self._call("up")
        outputs = {
            "name": SimpleNamespace(value="q-1", secret=False),
            "password": SimpleNamespace(value="hunter2", secret=True),
        }
        return SimpleNamespace(
            outputs=outputs, summary=SimpleNamespace(resource_changes={"create": 1, "same": 0})
        )

    def preview_refresh(self) -> Any:
        self._call("preview_refresh")
        return SimpleNamespace(change_summary=self.changes)

    def cancel(self) -> None:
        self._call("cancel")


def fake_automation(stack: FakeStack) -> Any:
    seen: dict[str, Any] = {}

    def create_or_select_stack(**kwargs: Any) -> FakeStack:
        seen.update(kwargs)
        return stack

    return SimpleNamespace(
        LocalWorkspaceOptions=lambda **kw: SimpleNamespace(**kw),
        create_or_select_stack=create_or_select_stack,
        seen=seen,
    )


GRAPH = StackGraph(project="d", path="stacks/d", env="dev")
ENV = {"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE}


def test_apply_builds_workspace_and_runs_refresh_preview_up(tmp_path: Path) -> None:
    stack = FakeStack()
    auto = fake_automation(stack)
    engine = PulumiEngine(tmp_path, "dev", refresh=True, automation=auto, environ=ENV)
    result = engine.apply(tmp_path / "stacks" / "d", GRAPH)
    assert stack.calls == ["refresh", "preview", "up"]
    assert result.outputs == {"name": "q-1", "password": SECRET}
    assert result.summary == "create=1"
    assert auto.seen["stack_name"] == "dev" and auto.seen["work_dir"] == str(tmp_path / "stacks" / "d")
    opts = auto.seen["opts"]
    assert opts.secrets_provider == "passphrase"
    assert opts.env_vars["PULUMI_BACKEND_URL"] == f"file://{(tmp_path / 'backend').resolve()}"
    assert PASSPHRASE not in repr(opts.env_vars)  # inherited from the environment, never copied
    assert (tmp_path / "backend").is_dir()


def test_backend_url_override_and_no_refresh_by_default(tmp_path: Path) -> None:
    stack = FakeStack()
    auto = fake_automation(stack)
    engine = PulumiEngine(tmp_path, "prod", backend_url="s3://state-bucket", automation=auto, environ=ENV)
    engine.apply(tmp_path, GRAPH)
    assert stack.calls == ["preview", "up"]
    assert auto.seen["opts"].env_vars["PULUMI_BACKEND_URL"] == "s3://state-bucket"
    assert auto.seen["stack_name"] == "prod"


def test_errors_are_one_line_redacted_and_classified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    boom = RuntimeError(f"code: 255\nstderr: error: decrypting with passphrase {PASSPHRASE} failed\n")
    engine = PulumiEngine(tmp_path, "dev", automation=fake_automation(FakeStack({"up": boom})), environ=ENV)
    with pytest.raises(EngineError) as info:
        engine.apply(tmp_path / "d", GRAPH)
    message = str(info.value)
    assert PASSPHRASE not in message and "[secret]" in message
    assert message.startswith("d: pulumi up failed: ") and "\n" not in message
    assert not isinstance(info.value, TransientEngineError)

    busy = PulumiEngine(
        tmp_path,
        "dev",
        automation=fake_automation(FakeStack({"preview": ConcurrentUpdateError("locked")})),
        environ=ENV,
    )
    with pytest.raises(TransientEngineError, match="pulumi preview failed"):
        busy.apply(tmp_path / "d", GRAPH)


def test_drift_and_recover(tmp_path: Path) -> None:
    quiet = FakeStack(changes={"same": 3})
    assert (
        not PulumiEngine(tmp_path, "dev", automation=fake_automation(quiet), environ=ENV)
        .drift(tmp_path, GRAPH, None)
        .drifted
    )
    drifted = FakeStack(changes={"same": 2, "update": 1})
    verdict = PulumiEngine(tmp_path, "dev", automation=fake_automation(drifted), environ=ENV).drift(
        tmp_path, GRAPH, None
    )
    assert verdict.drifted and verdict.summary == "same=2 update=1" and "live cloud state" in verdict.compared
    crashed = FakeStack({"cancel": RuntimeError("no update in progress")})
    PulumiEngine(tmp_path, "dev", automation=fake_automation(crashed), environ=ENV).recover(
        tmp_path, "d", "dev"
    )
    assert crashed.calls == ["cancel", "refresh"]


def test_missing_cli_or_passphrase_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repo: git.Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(EngineConfigError, match="PULUMI_CONFIG_PASSPHRASE"):
        PulumiEngine(tmp_path, "dev", automation=fake_automation(FakeStack()), environ={})
    monkeypatch.setattr(engines.shutil, "which", lambda name: None)
    with pytest.raises(EngineConfigError, match="Pulumi CLI is not on PATH"):
        PulumiEngine(tmp_path, "dev", environ=ENV)
    args = ["agent", "--repo", repo.working_dir, "--state-dir", str(tmp_path / "s"), "--once"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "Pulumi CLI is not on PATH" in err and len(err.splitlines()) == 1


def test_backoff_is_bounded_and_retry_stops_on_permanent_errors() -> None:
    delays = backoff_delays(5, base=1.0, cap=3.0)
    assert len(delays) == 4 and all(0 <= d <= 3.0 for d in delays)
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TransientEngineError("busy")
        return "done"

    assert retry(flaky, transient=(TransientEngineError,), attempts=4, base=0.001) == "done"
    assert len(calls) == 3
    with pytest.raises(EngineError):
        retry(
            lambda: (_ for _ in ()).throw(EngineError("bad")), transient=(TransientEngineError,), base=0.001
        )


def _localstack() -> str | None:
    endpoint = os.environ.get("LOCALSTACK_ENDPOINT", "http://127.0.0.1:4566")
    try:
        with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=2):
            return endpoint
    except OSError:
        return None


@pytest.mark.pulumi_cli
@pytest.mark.localstack
@pytest.mark.slow
def test_pulumi_engine_applies_to_localstack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("pulumi") is None:
        pytest.skip("Pulumi CLI not on PATH")
    endpoint = _localstack()
    if endpoint is None:
        pytest.skip("no LocalStack at LOCALSTACK_ENDPOINT")
    from tests.agent.fixture_repo import commit_all, make_repo

    repo = make_repo(tmp_path / "repo")
    config = Path(repo.working_dir) / "stacks" / "d" / "Pulumi.dev.yaml"
    config.write_text(
        "config:\n  aws:region: us-east-1\n  aws:accessKey: test\n  aws:secretKey: test\n"
        "  aws:skipCredentialsValidation: true\n  aws:skipRequestingAccountId: true\n"
        f"  aws:endpoints:\n    - sqs: {endpoint}\n"
    )
    commit_all(repo, "d: LocalStack endpoints")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    state = tmp_path / "state"
    args = ["agent", "--repo", repo.working_dir, "--engine", "pulumi", "--state-dir", str(state)]
    assert main([*args, "--stacks-dir", "stacks/d", "--once"]) == 0
    drift = ["drift", "--repo", repo.working_dir, "--engine", "pulumi", "--state-dir", str(state)]
    assert main([*drift, "--stacks-dir", "stacks/d"]) == 0


@pytest.mark.pulumi_cli
@pytest.mark.slow
def test_pulumi_engine_with_a_local_file_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Needs only the Pulumi CLI: a program without cloud resources, applied, drift-checked, recovered."""
    if shutil.which("pulumi") is None:
        pytest.skip("Pulumi CLI not on PATH")
    import sys

    from gitops_agent.agent import AgentConfig, Reconciler
    from gitops_agent.drift import check_drift
    from tests.agent.fixture_repo import commit_all, make_repo

    repo = make_repo(tmp_path / "repo")
    project = Path(repo.working_dir) / "stacks" / "hello"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        f"name: hello\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n"
    )
    (project / "Pulumi.dev.yaml").write_text("config:\n  hello:greeting: hi\n")
    (project / "__main__.py").write_text(
        'import pulumi\npulumi.export("greeting", pulumi.Config().require("greeting"))\n'
    )
    commit_all(repo, "hello: a stack without cloud resources")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    state = tmp_path / "state"
    cfg = AgentConfig(repo=repo.working_dir, engine="pulumi", state_dir=state, stacks_dir="stacks/hello")
    agent = Reconciler(cfg, engines.make_engine("pulumi", state, "dev"))
    result = agent.cycle()
    assert [(o.project, o.action) for o in result.outcomes] == [("hello", "applied")], result
    applied = agent.journal.get("hello", "dev")
    assert applied is not None and applied.outputs == {"greeting": "hi"}
    assert (state / "backend" / ".pulumi").is_dir()
    assert [o.drifted for o in check_drift(agent)] == [False]
    export = agent.checkout(agent.fetch(), applied.revision or "")
    agent.engine.recover(export / "stacks" / "hello", "hello", "dev")  # cancel (nothing running) + refresh
