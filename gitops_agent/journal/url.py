"""`--journal URL`: which backend, where, and a masked form safe to print."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from gitops_agent.journal.errors import JournalUrlError

__all__ = ["JOURNAL_FILE", "JournalUrl", "mask_url", "parse_journal_url", "scrub"]

JOURNAL_FILE = "journal.sqlite"


@dataclass(frozen=True)
class JournalUrl:
    """A parsed journal location: a SQLite file path or a PostgreSQL connection URL."""

    kind: Literal["sqlite", "postgresql"]
    path: Path | None = None
    dsn: str = ""

    @property
    def display(self) -> str:
        """The location with any password masked."""
        return f"sqlite://{self.path}" if self.kind == "sqlite" else mask_url(self.dsn)

    @property
    def password(self) -> str | None:
        """The password in a PostgreSQL URL, if any (to scrub it from driver messages)."""
        return urlsplit(self.dsn).password if self.dsn else None


def parse_journal_url(url: str | None, state_dir: Path) -> JournalUrl:
    """None -> `<state_dir>/journal.sqlite`; `sqlite:///abs/path` or `sqlite://rel/path`;
    `postgresql://user:pass@host:port/db` (or `postgres://`)."""
    if not url:
        return JournalUrl("sqlite", path=state_dir / JOURNAL_FILE)
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme == "sqlite":
        rest = url.partition("://")[2]
        if not rest:
            raise JournalUrlError("--journal sqlite://: no path (use sqlite:///abs/path/journal.sqlite)")
        return JournalUrl("sqlite", path=Path(rest).expanduser().resolve())
    if scheme in ("postgresql", "postgres"):
        try:
            urlsplit(url).port  # noqa: B018 - validates the port
        except ValueError:
            raise JournalUrlError(f"--journal {mask_url(url)}: invalid port") from None
        return JournalUrl("postgresql", dsn=url)
    raise JournalUrlError(f"--journal {mask_url(url)}: expected sqlite:///PATH or postgresql://USER@HOST/DB")


def mask_url(url: str) -> str:
    """The URL with its password replaced by `***` (and `password=` query values too)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        name = user.partition(":")[0]
        netloc = f"{name}:***@{host}"
    query = re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub(text: str, secret: str | None) -> str:
    """`text` with `secret` removed and squeezed to one line (driver messages span lines)."""
    if secret:
        text = text.replace(secret, "***")
    return " ".join(text.split())
