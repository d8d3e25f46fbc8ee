"""Secret masking and size caps for everything the gate and the agent print, store or post.

A `Redactor` knows the secret values of one run — every inherited environment variable whose name
looks like a credential, plus the `secure:` config values or placeholders it is given — and
replaces each occurrence with `[secret]` (`compliance.constants.SECRET`). `cap()` keeps an error short
enough for a report or a PR comment.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from compliance.constants import SECRET

__all__ = ["CAP_LIMIT", "MIN_SECRET_LENGTH", "Redactor", "cap", "looks_like_credential"]

MIN_SECRET_LENGTH = 6
"""Shorter values are not masked: masking `true` or `dev` everywhere would garble every report."""

CAP_LIMIT = 4096
"""Default size of an error kept in a report (characters)."""

_CREDENTIAL_NAME = re.compile(
    r"""
    ^(AWS|ACTIONS|AZURE|ARM|GOOGLE|GCP|CLOUDSDK|DIGITALOCEAN|VAULT)_   # cloud and CI credentials
    | TOKEN | SECRET | PASSWORD | PASSWD | PASSPHRASE | CREDENTIAL      # anywhere in the name
    | PRIVATE | APIKEY | API_KEY
    | (^|_)AUTH(_|$)
    | (^|_)KEY$                                                         # *_KEY
    """,
    re.VERBOSE,
)


def looks_like_credential(name: str) -> bool:
    """True for environment variable names that hold credentials (AWS_*, *TOKEN*, *SECRET*, *_KEY, ...)."""
    return bool(_CREDENTIAL_NAME.search(name.upper()))


def _forms(value: str) -> set[str]:
    """The spellings of one secret worth masking: as is, JSON-escaped, and each long line of it."""
    forms = {value, json.dumps(value)[1:-1]}
    if "\n" in value:
        forms.update(line.strip() for line in value.splitlines())
    return {f for f in forms if len(f) >= MIN_SECRET_LENGTH}


class Redactor:
    """Masks a fixed set of secret values in text (one compiled regular expression)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values: set[str] = set()
        for secret in secrets:
            if isinstance(secret, str) and len(secret) >= MIN_SECRET_LENGTH:
                values |= _forms(secret)
        values.discard(SECRET)
        self._secrets = frozenset(values)
        # Longest first, so a secret containing another is masked whole.
        ordered = sorted(values, key=lambda v: (-len(v), v))
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, secrets: Iterable[str] = ()
    ) -> Redactor:
        """A Redactor for the credentials in `environ` (default: this process's) plus `secrets`."""
        environ = os.environ if environ is None else environ
        inherited = [value for name, value in environ.items() if looks_like_credential(name)]
        return cls([*inherited, *secrets])

    def with_secrets(self, secrets: Iterable[str]) -> Redactor:
        """A Redactor masking these secrets too (e.g. a stack's `secure:` placeholders)."""
        return Redactor([*self._secrets, *secrets])

    def __bool__(self) -> bool:
        return self._pattern is not None

    def mask(self, text: str) -> str:
        """`text` with every secret replaced by `[secret]`."""
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(SECRET, text)

    def mask_data(self, value: Any) -> Any:
        """A copy of JSON-like data (dicts, lists, strings) with every string masked; keys included."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {self.mask(k) if isinstance(k, str) else k: self.mask_data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask_data(v) for v in value]
        return value


def cap(text: str, limit: int = CAP_LIMIT) -> str:
    """`text` cut to `limit` characters, with a marker saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters in the log)"
