"""End to end on real Git repositories with the plan-only engine and real offline evaluation."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import git
import pytest

from gitops_agent.agent import Reconciler
from gitops_agent.cli import main
from tests.agent.fixture_repo import commit_all, write_stack

pytestmark = pytest.mark.slow


def _digests(r: Reconciler) -> dict[str, str | None]:
    return {s.project: s.plan_digest for s in r.journal.states()}


def test_sync_change_revert_and_json_contracts(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler], capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(repo.working_dir)
    agent = make_reconciler(root)
    first = agent.cycle()
    assert first.ok, first
    # a and d have no dependencies: one wave, evaluated together; then b, then c.
    assert [(o.project, o.action) for o in first.outcomes] == [(p, "applied") for p in "adbc"]
    v1 = _digests(agent)
    rev1 = repo.head.commit.hexsha
    b_state = agent.journal.get("b", "dev")
    assert b_state is not None and b_state.outputs == {"b_name": "b-topic-1"}

    write_stack(root, "b", "2")
    rev2 = commit_all(repo, "b: bump topic name")
    second = agent.cycle()
    assert second.ok
    # b changed; c depends on b and is re-evaluated after it; a and d are not touched.
    assert [(o.project, o.action) for o in second.outcomes] == [("b", "applied"), ("c", "applied")]
    v2 = _digests(agent)
    assert v2["a"] == v1["a"] and v2["d"] == v1["d"]
    assert v2["b"] != v1["b"] and v2["c"] != v1["c"]  # c's tag follows b's output
    a_state = agent.journal.get("a", "dev")
    assert a_state is not None and a_state.revision == rev1

    third = agent.cycle()  # nothing new on the branch
    assert third.ok and third.outcomes == []

    repo.git.revert("--no-edit", rev2)
    rev3 = repo.head.commit.hexsha
    fourth = agent.cycle()
    assert [(o.project, o.action) for o in fourth.outcomes] == [("b", "applied"), ("c", "applied")]
    assert _digests(agent) == v1  # the revert gives back the digests from before the change

    state_dir = str(agent.cfg.state_dir)
    assert main(["status", "--state-dir", state_dir, "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [s["project"] for s in status] == ["a", "b", "c", "d"]
    assert set(status[0]) == {
        "project",
        "env",
        "status",
        "revision",
        "plan_digest",
        "updated_at",
        "message",
        "suspended",
    }
    assert {s["project"]: s["revision"] for s in status} == {"a": rev1, "b": rev3, "c": rev3, "d": rev1}
    assert all(s["status"] == "applied" and s["env"] == "dev" for s in status)

    assert main(["history", "--state-dir", state_dir, "--project", "b", "--format", "json"]) == 0
    history = json.loads(capsys.readouterr().out)
    assert set(history[0]) == {
        "project",
        "env",
        "revision",
        "action",
        "plan_digest",
        "at",
        "author",
        "summary",
    }
    assert [(h["revision"], h["action"]) for h in history] == [
        (rev1, "applied"),
        (rev2, "applied"),
        (rev3, "applied"),
    ]
    assert history[0]["author"] == "Test Author <author@example.com>"
    assert history[0]["summary"].endswith("resources +1 ~0 -0 =0")  # b has one topic
    assert history[1]["summary"].endswith("resources +0 ~1 -0 =0")  # its name changed
    assert history[0]["plan_digest"] == history[2]["plan_digest"] == v1["b"]
    assert main(["history", "--state-dir", state_dir, "--project", "d", "--format", "json"]) == 0
    assert [h["action"] for h in json.loads(capsys.readouterr().out)] == ["applied"]  # sibling untouched


def test_force_push_is_refused_then_accepted_with_allow_rewrite(
    repo: git.Repo, make_reconciler: Callable[..., Reconciler]
) -> None:
    root = Path(repo.working_dir)
    write_stack(root, "d", "2")
    commit_all(repo, "d: version 2")
    agent = make_reconciler(root, stacks_dir="stacks/d")
    assert agent.cycle().ok
    applied = agent.journal.get("d", "dev")
    assert applied is not None

    repo.git.reset("--hard", "HEAD~1")
    write_stack(root, "d", "3")
    rewritten = commit_all(repo, "d: version 3, history rewritten")
    refused = agent.cycle()
    assert not refused.ok and refused.error is not None and "rewritten" in refused.error
    assert refused.outcomes == []
    assert agent.journal.get("d", "dev") == applied  # nothing recorded

    permissive = make_reconciler(root, stacks_dir="stacks/d", allow_rewrite=True)
    accepted = permissive.cycle()
    assert accepted.ok and [(o.project, o.action) for o in accepted.outcomes] == [("d", "applied")]
    state = permissive.journal.get("d", "dev")
    assert state is not None and state.revision == rewritten
    assert agent.cycle().ok  # the new head is now the seen one: no refusal any more


def test_agent_cli_once_exit_codes(
    repo: git.Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / "cli-state")
    base = ["agent", "--repo", repo.working_dir, "--engine", "plan-only", "--state-dir", state, "--once"]
    assert main([*base, "--stacks-dir", "stacks/d"]) == 0
    assert main(["status", "--state-dir", state, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "applied"
    assert main([*base, "--branch", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main([*base[:2], str(tmp_path / "missing"), *base[3:]]) == 2


def test_policies_change_re_evaluates_and_records_unchanged(
    repo: git.Repo,
    make_reconciler: Callable[..., Reconciler],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    root = Path(repo.working_dir)
    agent = make_reconciler(root, stacks_dir="stacks/d")
    assert agent.cycle().ok
    with (root / "policies" / "enforcement.yaml").open("a") as f:
        f.write("# reviewed\n")
    rev = commit_all(repo, "policies: comment")
    result = agent.cycle()
    assert [(o.project, o.action) for o in result.outcomes] == [("d", "unchanged")]
    state = agent.journal.get("d", "dev")
    assert state is not None and state.revision == rev and state.status == "applied"
    assert [h.action for h in agent.journal.history("d")] == ["applied", "unchanged"]
    assert main(["status", "--state-dir", str(agent.cfg.state_dir)]) == 0
    assert main(["history", "--state-dir", str(agent.cfg.state_dir)]) == 0
    table = capsys.readouterr().out
    assert "unchanged" in table and "policies: comment" in table


def test_status_without_journal_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--state-dir", str(tmp_path / "none")]) == 2
    assert main(["history", "--state-dir", str(tmp_path / "none"), "--format", "json"]) == 2
    assert main(["drift", "--repo", ".", "--engine", "plan-only", "--state-dir", str(tmp_path / "none")]) == 2
    assert not (tmp_path / "none").exists()
    assert "no agent journal" in capsys.readouterr().err


def test_secrets_never_reach_the_journal_or_output(
    repo: git.Repo,
    make_reconciler: Callable[..., Reconciler],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = Path(repo.working_dir)
    ciphertext = "v1:c2VjcmV0LWNpcGhlcnRleHQ=:Zm9vYmFy"
    (root / "stacks/d/Pulumi.dev.yaml").write_text(
        f"config:\n  aws:region: us-east-1\n  d:queueToken:\n    secure: {ciphertext}\n"
    )
    main_py = root / "stacks/d/__main__.py"
    main_py.write_text(
        main_py.read_text()
        + 'token = pulumi.Config().require_secret("queueToken")\n'
        + 'pulumi.export("token", token)\n'
        + 'aws.ssm.Parameter("d-token", type="SecureString", value=token)\n'
    )
    commit_all(repo, "d: a secret token")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "passphrase-never-logged")
    agent = make_reconciler(root, stacks_dir="stacks/d")
    result = agent.cycle()
    assert [(o.project, o.action) for o in result.outcomes] == [("d", "applied")], result
    state = agent.journal.get("d", "dev")
    assert state is not None and state.outputs["token"] == "[secret]"
    state_dir = str(agent.cfg.state_dir)
    assert main(["status", "--state-dir", state_dir, "--format", "json"]) == 0
    assert main(["history", "--state-dir", state_dir, "--format", "json"]) == 0
    out = capsys.readouterr()
    everything = out.out + out.err + agent.journal.path.read_bytes().decode("latin-1")
    assert ciphertext not in everything and "passphrase-never-logged" not in everything
