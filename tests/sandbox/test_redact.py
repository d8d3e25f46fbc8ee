"""Secret masking and error caps (compliance.redact)."""

from __future__ import annotations

import json

import pytest

from compliance.model import SECRET
from compliance.redact import Redactor, cap, looks_like_credential

ENVIRON = {
    "AWS_SECRET_ACCESS_KEY": "wJalrSENTINELEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "FwoGZXIvYXdzESENTINEL//token",
    "PULUMI_ACCESS_TOKEN": "pul-0123456789abcdef",
    "PULUMI_CONFIG_PASSPHRASE": 'correct "horse" battery',
    "GITHUB_TOKEN": "ghs_SENTINEL0123456789",
    "DB_PASSWORD": "hunter22",
    "DEPLOY_KEY": "-----BEGIN KEY-----\nMIIsentinelLINE1\nMIIsentinelLINE2\n-----END KEY-----",
    "SHORT_TOKEN": "abc",
    "HOME": "/home/runner",
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
}


@pytest.mark.parametrize(
    "name",
    [
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SESSION_TOKEN",
        "PULUMI_ACCESS_TOKEN",
        "PULUMI_CONFIG_PASSPHRASE",
        "PULUMI_CONFIG_PASSPHRASE_FILE",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "LOCALSTACK_AUTH_TOKEN",
        "DB_PASSWORD",
        "client_secret",
        "STRIPE_API_KEY",
        "SSH_KEY",
        "NPM_AUTH_TOKEN",
    ],
)
def test_credential_names(name):
    assert looks_like_credential(name)


@pytest.mark.parametrize(
    "name", ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "PULUMI_CONFIG", "KEYBOARD", "MONKEY"]
)
def test_ordinary_names(name):
    assert not looks_like_credential(name)


def test_masks_every_credential_of_the_environment():
    redactor = Redactor.from_environment(ENVIRON)
    text = (
        f"boom: {ENVIRON['AWS_SECRET_ACCESS_KEY']} and {ENVIRON['AWS_SESSION_TOKEN']}, "
        f"token={ENVIRON['PULUMI_ACCESS_TOKEN']} gh={ENVIRON['GITHUB_TOKEN']} pw={ENVIRON['DB_PASSWORD']}"
    )
    masked = redactor.mask(text)
    for name in (
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "PULUMI_ACCESS_TOKEN",
        "GITHUB_TOKEN",
        "DB_PASSWORD",
    ):
        assert ENVIRON[name] not in masked
    assert masked.count(SECRET) == 5
    assert masked.startswith("boom: [secret] and [secret], token=[secret]")


def test_json_escaped_and_single_lines_of_a_secret_are_masked():
    redactor = Redactor.from_environment(ENVIRON)
    as_json = json.dumps({"error": f"bad passphrase {ENVIRON['PULUMI_CONFIG_PASSPHRASE']}"})
    assert "horse" not in redactor.mask(as_json)
    assert "MIIsentinelLINE2" not in redactor.mask("key line: MIIsentinelLINE2 leaked")


def test_ordinary_values_and_short_secrets_stay():
    redactor = Redactor.from_environment(ENVIRON)
    text = "HOME=/home/runner PATH=/usr/bin:/bin abc"
    assert redactor.mask(text) == text


def test_given_secrets_and_placeholders_are_masked():
    redactor = Redactor.from_environment({}, ["offline-secret-0123456789ab", "s3cr3t-db-pass"])
    assert redactor.mask("x offline-secret-0123456789ab y s3cr3t-db-pass") == "x [secret] y [secret]"
    more = Redactor().with_secrets(["another-secret"])
    assert more.mask("another-secret!") == "[secret]!"


def test_longest_secret_wins_and_nothing_is_half_masked():
    redactor = Redactor(["abcdefgh", "abcdefgh-ijkl"])
    assert redactor.mask("abcdefgh-ijkl abcdefgh") == "[secret] [secret]"


def test_regex_metacharacters_are_literal():
    redactor = Redactor(["a.b*c+d(e)"])
    assert redactor.mask("a.b*c+d(e) axbbbcd") == "[secret] axbbbcd"


def test_mask_data_masks_nested_strings_and_keys():
    redactor = Redactor(["topsecret-value"])
    data = {"tags": {"k": "topsecret-value"}, "topsecret-value": [1, "x topsecret-value"]}
    assert redactor.mask_data(data) == {"tags": {"k": SECRET}, SECRET: [1, "x [secret]"]}


def test_empty_redactor_is_identity():
    redactor = Redactor.from_environment({"PATH": "/bin"})
    assert not redactor
    assert redactor.mask("anything") == "anything"


def test_cap_keeps_short_text_and_says_how_much_was_cut():
    assert cap("short") == "short"
    text = "x" * 10_000
    capped = cap(text)
    assert capped.startswith("x" * 4096)
    assert capped.endswith("… (5904 more characters in the log)")
    assert len(capped) < 4200
    assert cap("abcdef", limit=3) == "abc… (3 more characters in the log)"


def test_mask_then_cap_never_leaks_a_prefix():
    secret = "SENTINEL-SECRET-VALUE"
    redactor = Redactor([secret])
    text = "y" * 4090 + secret
    assert "SENTINEL" not in cap(redactor.mask(text))
