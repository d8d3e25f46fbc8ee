"""Escaping for user-controlled text in Markdown (names, types, messages, paths, titles, waivers).

Everything a stack program, a user's check or a waiver file can set goes through `text` or `code`
before it reaches Markdown: it cannot open a link, an image, a mention, an HTML tag or comment,
a table cell, a heading or a code span. `cap_text` bounds any one value's size.
"""

from __future__ import annotations

import re
import urllib.parse

from compliance.redact import CAP_LIMIT

__all__ = ["ERROR_TEXT_LIMIT", "cap_text", "cell", "code", "link_target", "safe_url", "text"]

ERROR_TEXT_LIMIT = CAP_LIMIT + 256
"""Characters of one stack's error shown in a report; the rest is cut (the full text is in the log).

The gate already caps errors with compliance.redact.cap; this is the renderers' own bound, for
reports that come from elsewhere (a saved JSON report, an older gate), with room for that cap's note."""

ZWJ = "\u200d"
"""Zero-width joiner: placed after `@`, inside `://` and `www.` so GitHub links and mentions nothing."""

_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]{}()#+!|~$^])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
"""Control characters, line separators and bidirectional overrides (which can make text read
differently from what it is)."""
_AUTOLINK = re.compile(r"(?i)(://|\bwww\.|@|#(?=\d))")
_SAFE_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#@!$&*+,;=%]+")
_PLAIN_CODE = re.compile(r"[^`<>&|\\\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]*")


def cap_text(value: str, limit: int = ERROR_TEXT_LIMIT) -> str:
    """`value` cut to at most `limit` characters, ending with a note of how much was cut."""
    if len(value) <= limit:
        return value
    note = f" … [{len(value) - limit} more characters cut; the full text is in the log]"
    return value[: max(limit - len(note), 0)] + note


def text(value: object) -> str:
    """Inert Markdown for one line of user text: HTML, Markdown syntax, links and mentions escaped.

    Safe in running text and in a table cell; newlines become spaces.
    """
    raw = "" if value is None else str(value)
    raw = _CONTROL.sub(" ", raw).strip()
    raw = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    raw = _MARKDOWN_PUNCTUATION.sub(r"\\\1", raw)
    return _AUTOLINK.sub(lambda m: _break(m.group(0)), raw)


def _break(token: str) -> str:
    if token == "://":
        return ":" + ZWJ + "//"
    if token.lower().startswith("www"):
        return token[:3] + ZWJ + "."
    return token + ZWJ


def cell(value: object) -> str:
    """User text for a table cell (same as `text`: pipes are escaped there too)."""
    return text(value)


def code(value: object) -> str:
    """User text shown as code: a code span when it is plain, else `<code>` around escaped text.

    A code span shows its content literally (no links, no mentions), but cannot hold a backtick,
    a pipe inside a table, or a `<` that starts an HTML comment spanning past it.
    """
    raw = "" if value is None else str(value).strip()
    if not raw:
        return ""
    if _PLAIN_CODE.fullmatch(raw):
        return f"`{raw}`"
    return f"<code>{text(raw)}</code>"


def safe_url(url: str | None) -> bool:
    """True for an http(s) URL of plain ASCII that cannot break out of a Markdown link."""
    return bool(url) and _SAFE_URL.fullmatch(str(url)) is not None


def link_target(path: str) -> str:
    """A repository path as a URL path: percent-encoded so it cannot end the link early."""
    return urllib.parse.quote(path, safe="/._-~")
