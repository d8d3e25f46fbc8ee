"""Enforcement levels: resolution order, the shipped file, and one-line errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.errors import PolicyConfigError
from policies.levels import Enforcement, load_enforcement

REPO_POLICIES = Path(__file__).resolve().parents[2] / "policies"


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "enforcement.yaml").write_text(text)
    return tmp_path


def test_resolution_order(tmp_path: Path) -> None:
    enforcement = load_enforcement(
        write(
            tmp_path,
            """
default: advisory
checks:
  CKV_AWS_*: mandatory
  CKV_AWS_1*: disabled
  CKV_AWS_117: advisory
environments:
  prod:
    default: mandatory
    checks:
      CKV_AWS_117: mandatory
""",
        )
    )
    assert enforcement.level("CKV_AWS_117", "dev") == "advisory"  # exact beats pattern
    assert enforcement.level("CKV_AWS_117", "prod") == "mandatory"  # env override beats global
    assert enforcement.level("CKV_AWS_19", "dev") == "disabled"  # longest pattern wins
    assert enforcement.level("CKV_AWS_20", "dev") == "mandatory"
    assert enforcement.level("CKV_ORG_1", "dev") == "advisory"  # global default
    assert enforcement.level("CKV_ORG_1", "prod") == "mandatory"  # env default


def test_missing_file_means_everything_mandatory(tmp_path: Path) -> None:
    assert load_enforcement(tmp_path) == Enforcement()
    assert load_enforcement(tmp_path).level("CKV_AWS_20", "prod") == "mandatory"


def test_shipped_file_is_valid() -> None:
    enforcement = load_enforcement(REPO_POLICIES)
    assert enforcement.level("CKV_ORG_5", "dev") == "advisory"
    assert enforcement.level("CKV_ORG_5", "prod") == "mandatory"
    assert enforcement.level("CKV_ORG_13", "dev") == "mandatory"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "checks:\n  CKV_AWS_20: optional\n",
            "checks.CKV_AWS_20: Input should be 'mandatory', 'advisory' or 'disabled'",
        ),
        ("default: mandatory\nlevels: {}\n", "levels: Extra inputs are not permitted"),
        (
            "environments:\n  dev:\n    chekcs: {}\n",
            "environments.dev.chekcs: Extra inputs are not permitted",
        ),
        ("checks: [CKV_AWS_20\n", "invalid YAML"),
        ("- mandatory\n", "expected a mapping at the top level"),
    ],
)
def test_bad_file_is_one_line_error_naming_the_file(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(PolicyConfigError) as error:
        load_enforcement(write(tmp_path, text))
    message = str(error.value)
    assert message.startswith(str(tmp_path / "enforcement.yaml") + ": ")
    assert problem in message
    assert "\n" not in message
