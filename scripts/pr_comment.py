#!/usr/bin/env python3
"""Create or update the one sticky `gitops check` comment on a pull request.

The comment is found through the GitHub REST API by its hidden marker *and* its author, the
identity of the token (`github-actions[bot]` for the workflow's GITHUB_TOKEN), and PATCHed; a
comment anyone else wrote, marker or not, is never touched. When there is none yet it is POSTed.
Standard library only (runs on a bare runner). The token is read from GITHUB_TOKEN (or GH_TOKEN)
and never printed.

    python3 scripts/pr_comment.py --pr 12 report.md [preview.md ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

MARKER = "<!-- gitops-check -->"
"""Must equal compliance.report.MARKER (tested)."""

ACTIONS_BOT = "github-actions[bot]"
"""Author of comments made with a workflow's GITHUB_TOKEN (which cannot read GET /user)."""

COMMENT_LIMIT = 65536
PER_PAGE = 100
MAX_PAGES = 30


class GitHubError(Exception):
    """A GitHub API call failed; the message names the method, path and status (never the token)."""


def cut_markdown(text: str, budget: int) -> str:
    """`text` cut at a line boundary to at most `budget` chars, closing open code fences and details."""
    if len(text) <= budget:
        return text
    note = "\n\n_… cut to fit GitHub's comment size limit; the full report is in the job summary._\n"
    closers_room = 40
    kept: list[str] = []
    size = 0
    for line in text.splitlines(keepends=True):
        if size + len(line) > budget - len(note) - closers_room:
            break
        kept.append(line)
        size += len(line)
    body = "".join(kept)
    closers = ""
    if sum(1 for line in kept if line.lstrip().startswith("```")) % 2:
        closers += "\n```"
    closers += "\n</details>" * max(body.count("<details>") - body.count("</details>"), 0)
    return (body.rstrip("\n") + closers + note)[:budget]


def build_body(parts: Sequence[str], *, marker: str = MARKER, limit: int = COMMENT_LIMIT) -> str:
    """One comment body: the marker once at the top, the parts in order, each cut to fit `limit`."""
    cleaned = [p.replace(marker, "").strip("\n") for p in parts]
    cleaned = [p for p in cleaned if p.strip()]
    body = marker + "\n" + "\n\n".join(cleaned) + "\n"
    if len(body) <= limit:
        return body
    room = limit - len(marker) - 2 - 2 * len(cleaned)
    small = [p for p in cleaned if len(p) <= room // len(cleaned)]
    share = (room - sum(len(p) for p in small)) // max(len(cleaned) - len(small), 1)
    fitted = [p if p in small else cut_markdown(p, share) for p in cleaned]
    return (marker + "\n" + "\n\n".join(fitted) + "\n")[:limit]


def _request(api_url: str, token: str, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
    url = api_url.rstrip("/") + path
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/vnd.github+json")
    req.add_header("X-GitHub-Api-Version", "2022-11-28")
    req.add_header("User-Agent", "gitops-check-pr-comment")
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    shown = path.split("?", 1)[0]
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        raise GitHubError(f"GitHub API {method} {shown}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise GitHubError(f"GitHub API {method} {shown}: {reason}") from None
    return json.loads(raw) if raw else None


def token_login(api_url: str, token: str) -> str:
    """The login the token comments as: GET /user for a user token; an Actions or App installation
    token is refused there (403), and its comments are `github-actions[bot]`'s."""
    try:
        user = _request(api_url, token, "GET", "/user")
    except GitHubError as exc:
        if ": HTTP 403 " in str(exc) or ": HTTP 404 " in str(exc):
            return ACTIONS_BOT
        raise
    login = user.get("login") if isinstance(user, dict) else None
    if not isinstance(login, str) or not login:
        raise GitHubError("GitHub API GET /user: no login in the response")
    return login


def find_comment(
    api_url: str, token: str, repo: str, pr: int, *, marker: str = MARKER, author: str | None = None
) -> int | None:
    """The id of the first comment on the PR written by `author` (default: the token's own login)
    whose body starts with `marker`, or None."""
    author = author or token_login(api_url, token)
    for page in range(1, MAX_PAGES + 1):
        path = f"/repos/{repo}/issues/{pr}/comments?per_page={PER_PAGE}&page={page}"
        comments = _request(api_url, token, "GET", path)
        if not isinstance(comments, list):
            raise GitHubError(f"GitHub API GET /repos/{repo}/issues/{pr}/comments: unexpected response")
        for comment in comments:
            login = (comment.get("user") or {}).get("login")
            if login == author and str(comment.get("body") or "").lstrip().startswith(marker):
                return int(comment["id"])
        if len(comments) < PER_PAGE:
            return None
    return None


def upsert_comment(
    api_url: str,
    token: str,
    repo: str,
    pr: int,
    body: str,
    *,
    marker: str = MARKER,
    author: str | None = None,
) -> tuple[Literal["created", "updated"], int]:
    """PATCH our own marked comment if it exists, else POST a new one; returns (action, comment id)."""
    existing = find_comment(api_url, token, repo, pr, marker=marker, author=author)
    if existing is not None:
        result = _request(
            api_url, token, "PATCH", f"/repos/{repo}/issues/comments/{existing}", {"body": body}
        )
        return "updated", int(result.get("id", existing)) if isinstance(result, dict) else existing
    result = _request(api_url, token, "POST", f"/repos/{repo}/issues/{pr}/comments", {"body": body})
    return "created", int(result["id"])


def _pr_from_event(event_path: str | None) -> int | None:
    if not event_path or not Path(event_path).is_file():
        return None
    event = json.loads(Path(event_path).read_text())
    number = (event.get("pull_request") or {}).get("number") or event.get("number")
    return int(number) if number else None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pr_comment.py", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument(
        "files", nargs="+", type=Path, help="Markdown files, joined in order (missing ones skipped)"
    )
    p.add_argument(
        "--repo", default=os.environ.get("GITHUB_REPOSITORY"), help="owner/name ($GITHUB_REPOSITORY)"
    )
    p.add_argument("--pr", type=int, help="pull request number (default: from $GITHUB_EVENT_PATH)")
    p.add_argument(
        "--api-url",
        default=os.environ.get("GITHUB_API_URL", "https://api.github.com"),
        help="($GITHUB_API_URL)",
    )
    p.add_argument(
        "--author",
        default=os.environ.get("GITOPS_COMMENT_AUTHOR"),
        help="login of the sticky comment's author (default: the token's own, "
        f"{ACTIONS_BOT} for a workflow token; $GITOPS_COMMENT_AUTHOR)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 comment created/updated, 2 bad input or API error (one line on stderr)."""
    args = _parser().parse_args(argv)
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    pr = args.pr or _pr_from_event(os.environ.get("GITHUB_EVENT_PATH"))
    problem = None
    if not token:
        problem = "no token: set GITHUB_TOKEN"
    elif not args.repo or "/" not in args.repo:
        problem = "no repository: pass --repo owner/name or set GITHUB_REPOSITORY"
    elif not pr:
        problem = "no pull request number: pass --pr or run on a pull_request event"
    present = [f for f in args.files if f.is_file()]
    if problem is None and not present:
        problem = f"{args.files[0]}: no such file"
    if problem is not None:
        print(f"pr_comment: {problem}", file=sys.stderr)
        return 2
    assert token is not None and pr is not None
    body = build_body([f.read_text(encoding="utf-8") for f in present])
    try:
        action, comment_id = upsert_comment(args.api_url, token, args.repo, pr, body, author=args.author)
    except GitHubError as exc:
        print(f"pr_comment: {exc}", file=sys.stderr)
        return 2
    print(f"pr_comment: {action} comment {comment_id} on {args.repo}#{pr}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
