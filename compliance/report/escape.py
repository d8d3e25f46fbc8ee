"""Escaping for user-controlled text in Markdown (names, messages, paths, titles)."""

from __future__ import annotations


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell (no pipes, newlines or raw HTML)."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


def code(value: object) -> str:
    text = cell(value).replace("`", "'")
    return f"`{text}`" if text else ""


def safe_url(url: str | None) -> bool:
    """True for an http(s) URL that cannot break out of a Markdown link."""
    return (
        bool(url)
        and str(url).startswith(("https://", "http://"))
        and not any(ch in str(url) for ch in " \t\n|()<>[]`")
    )
