"""scripts/pr_comment.py against a fake GitHub REST API on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from script_loader import load_script

from compliance.report import MARKER

pr_comment = load_script("pr_comment")

TOKEN = "ghs_fake-token-value-123"
REPO = "acme/infra"
BOT = "github-actions[bot]"


class FakeGitHub:
    """Issue comments of PR 7 in acme/infra; records every request."""

    def __init__(self) -> None:
        self.comments: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []
        self.next_id = 1000
        self.fail_with: int | None = None
        self.user_login: str | None = None  # None: GET /user is refused, as for a workflow token
        self.foreign_edits = 0

    @property
    def identity(self) -> str:
        """Who comments made with the token are by."""
        return self.user_login or BOT

    def add(self, body: str, login: str = "someone") -> int:
        self.next_id += 1
        self.comments.append({"id": self.next_id, "body": body, "user": {"login": login, "type": "User"}})
        return self.next_id


@pytest.fixture
def github() -> Iterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _reply(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            fake.requests.append((method, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if fake.fail_with:
                return self._reply(fake.fail_with, {"message": "nope"})
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._reply(401, {"message": "Bad credentials"})
            url = urlparse(self.path)
            if method == "GET" and url.path == "/user":
                if fake.user_login is None:
                    return self._reply(403, {"message": "Resource not accessible by integration"})
                return self._reply(200, {"login": fake.user_login})
            if method == "GET" and url.path == f"/repos/{REPO}/issues/7/comments":
                query = parse_qs(url.query)
                per_page, page = int(query["per_page"][0]), int(query["page"][0])
                return self._reply(200, fake.comments[(page - 1) * per_page : page * per_page])
            if method == "POST" and url.path == f"/repos/{REPO}/issues/7/comments":
                new_id = fake.add(body["body"], login=fake.identity)
                return self._reply(201, {"id": new_id, "body": body["body"]})
            if method == "PATCH" and url.path.startswith(f"/repos/{REPO}/issues/comments/"):
                comment_id = int(url.path.rsplit("/", 1)[1])
                for comment in fake.comments:
                    if comment["id"] == comment_id:
                        if comment["user"]["login"] != fake.identity:
                            fake.foreign_edits += 1  # GitHub lets a maintainer token do this
                        comment["body"] = body["body"]
                        return self._reply(200, comment)
            return self._reply(404, {"message": "Not Found"})

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)


def _report(tmp_path: Path, text: str, name: str = "report.md") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_marker_matches_the_renderer() -> None:
    assert pr_comment.MARKER == MARKER


def test_creates_then_updates_one_sticky_comment(
    github: tuple[FakeGitHub, str], env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url = github
    fake.add("LGTM")
    report = _report(tmp_path, f"{MARKER}\n## gitops check\n\nfirst")
    assert pr_comment.main([str(report), "--pr", "7", "--api-url", url]) == 0
    assert [c["body"].startswith(MARKER) for c in fake.comments] == [False, True]
    assert "created comment" in capsys.readouterr().out

    report.write_text(f"{MARKER}\n## gitops check\n\nsecond")
    assert pr_comment.main([str(report), "--pr", "7", "--api-url", url]) == 0
    assert len(fake.comments) == 2  # updated, not duplicated
    assert fake.comments[1]["body"].count(MARKER) == 1
    assert "second" in fake.comments[1]["body"] and "first" not in fake.comments[1]["body"]
    assert [m for m, *_ in fake.requests] == ["GET", "GET", "POST", "GET", "GET", "PATCH"]
    out = capsys.readouterr()
    assert "updated comment" in out.out
    assert TOKEN not in out.out + out.err


def test_finds_the_marker_on_a_later_page(github: tuple[FakeGitHub, str], env: None, tmp_path: Path) -> None:
    fake, url = github
    for i in range(150):
        fake.add(f"chatter {i}")
    sticky = fake.add(f"{MARKER}\nold", login=BOT)
    assert pr_comment.find_comment(url, TOKEN, REPO, 7) == sticky
    pages = [parse_qs(urlparse(p).query)["page"][0] for m, p, *_ in fake.requests if "page=" in p]
    assert pages == ["1", "2"]


def test_joins_report_and_preview_with_one_marker(
    github: tuple[FakeGitHub, str], env: None, tmp_path: Path
) -> None:
    fake, url = github
    report = _report(tmp_path, f"{MARKER}\n## gitops check\n\nok")
    preview = _report(tmp_path, "### pulumi preview (prod)\n\n2 to update", "preview.md")
    missing = tmp_path / "absent.md"  # e.g. the preview job was skipped on a fork
    assert pr_comment.main([str(report), str(missing), str(preview), "--pr", "7", "--api-url", url]) == 0
    body = fake.comments[0]["body"]
    assert body.startswith(MARKER) and body.count(MARKER) == 1
    assert body.index("## gitops check") < body.index("### pulumi preview (prod)")


def test_sends_auth_and_api_headers(github: tuple[FakeGitHub, str], env: None, tmp_path: Path) -> None:
    fake, url = github
    assert pr_comment.main([str(_report(tmp_path, "x")), "--pr", "7", "--api-url", url]) == 0
    _, _, headers, _ = fake.requests[-1]
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"


def test_pr_number_from_the_event_file(
    github: tuple[FakeGitHub, str], env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, url = github
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    assert pr_comment.main([str(_report(tmp_path, "x")), "--api-url", url]) == 0
    assert len(fake.comments) == 1


def test_api_error_is_one_line_without_the_token(
    github: tuple[FakeGitHub, str], env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url = github
    fake.fail_with = 403
    assert pr_comment.main([str(_report(tmp_path, "x")), "--pr", "7", "--api-url", url]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0
    assert "GET /repos/acme/infra/issues/7/comments: HTTP 403" in err
    assert TOKEN not in err


def test_bad_input_exits_2(env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert pr_comment.main([str(tmp_path / "nope.md"), "--pr", "7", "--api-url", "http://127.0.0.1:9"]) == 2
    assert "nope.md: no such file" in capsys.readouterr().err


def test_missing_token_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    assert pr_comment.main([str(_report(tmp_path, "x")), "--repo", REPO, "--pr", "7"]) == 2
    assert "no token" in capsys.readouterr().err


def test_body_is_cut_to_the_comment_limit() -> None:
    body = pr_comment.build_body(["a" * 70000, "b" * 10])
    assert len(body) <= pr_comment.COMMENT_LIMIT
    assert body.startswith(MARKER)


def test_each_part_keeps_a_share_and_stays_well_formed() -> None:
    dev = f"{MARKER}\n## gitops check (dev)\n\n<details><summary>x</summary>\n\n" + "- passed\n" * 8000
    prod = f"{MARKER}\n## gitops check (prod)\n\n" + "| row |\n" * 8000
    preview = (
        "### pulumi preview (prod)\n\n<details>\n\n```diff\n" + "+ create\n" * 8000 + "```\n</details>\n"
    )
    body = pr_comment.build_body([dev, prod, preview])
    assert len(body) <= pr_comment.COMMENT_LIMIT
    assert body.count(MARKER) == 1
    for heading in ("## gitops check (dev)", "## gitops check (prod)", "### pulumi preview (prod)"):
        assert heading in body
    assert body.count("<details>") == body.count("</details>")
    fences = [line for line in body.splitlines() if line.lstrip().startswith("```")]
    assert len(fences) % 2 == 0
    assert body.count("cut to fit GitHub's comment size limit") == 3


def test_small_parts_are_kept_whole_when_another_is_cut() -> None:
    small = "## gitops check (dev)\n\n✅ passed"
    body = pr_comment.build_body([small, "x\n" * 40000])
    assert small in body and len(body) <= pr_comment.COMMENT_LIMIT


def test_a_marked_comment_by_someone_else_is_never_updated(
    github: tuple[FakeGitHub, str], env: None, tmp_path: Path
) -> None:
    fake, url = github
    planted = fake.add(f"{MARKER}\n✅ **gitops check passed** (planted by a PR author)", login="mallory")
    report = _report(tmp_path, f"{MARKER}\n## gitops check\n\n❌ failed")
    assert pr_comment.main([str(report), "--pr", "7", "--api-url", url]) == 0
    assert fake.comments[0]["id"] == planted and "planted" in fake.comments[0]["body"]
    assert fake.foreign_edits == 0
    [ours] = [c for c in fake.comments if c["user"]["login"] == BOT]
    assert "❌ failed" in ours["body"]
    # the next push updates ours, still not theirs
    report.write_text(f"{MARKER}\n## gitops check\n\n✅ fixed")
    assert pr_comment.main([str(report), "--pr", "7", "--api-url", url]) == 0
    assert len(fake.comments) == 2 and "✅ fixed" in fake.comments[1]["body"]
    assert "planted" in fake.comments[0]["body"] and fake.foreign_edits == 0


def test_a_user_token_updates_the_comment_of_its_own_login(
    github: tuple[FakeGitHub, str], env: None, tmp_path: Path
) -> None:
    fake, url = github
    fake.user_login = "acme-ci"
    fake.add(f"{MARKER}\nby the actions bot", login=BOT)
    mine = fake.add(f"{MARKER}\nold", login="acme-ci")
    assert pr_comment.main([str(_report(tmp_path, f"{MARKER}\nnew")), "--pr", "7", "--api-url", url]) == 0
    assert next(c for c in fake.comments if c["id"] == mine)["body"].endswith("new\n")
    assert fake.comments[0]["body"].endswith("by the actions bot") and fake.foreign_edits == 0


def test_author_can_be_named(github: tuple[FakeGitHub, str], env: None, tmp_path: Path) -> None:
    fake, url = github
    theirs = fake.add(f"{MARKER}\nold", login="acme-app[bot]")
    assert pr_comment.find_comment(url, TOKEN, REPO, 7, author="acme-app[bot]") == theirs
    assert pr_comment.find_comment(url, TOKEN, REPO, 7) is None  # the token is github-actions[bot]


def test_token_login_errors_other_than_refusal_are_reported(github: tuple[FakeGitHub, str]) -> None:
    fake, url = github
    fake.fail_with = 500
    with pytest.raises(pr_comment.GitHubError, match="GET /user: HTTP 500"):
        pr_comment.token_login(url, TOKEN)
