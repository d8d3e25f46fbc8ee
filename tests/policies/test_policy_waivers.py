"""Waivers: loading/validation, applying, expired/expiring/stale reporting."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from compliance.model import Finding, Report, StackReport
from policies.errors import PolicyConfigError
from policies.waivers import Waiver, apply_waivers, load_waivers

TODAY = date(2026, 11, 21)


def finding(
    check: str = "CKV_ORG_6", resource: str = "aws_lambda_function.api", result: str = "failed"
) -> Finding:
    return Finding(check_id=check, title="t", result=result, resource=resource, type="aws_lambda_function")  # type: ignore[arg-type]


def waiver(**kw: object) -> Waiver:
    data: dict[str, object] = {
        "check": "CKV_ORG_6",
        "resource": "aws_lambda_function.api",
        "reason": "bursty batch until JIRA-1",
        "owner": "team-a",
        "expires": "2027-01-31",
    }
    data.update(kw)
    return Waiver.model_validate(data)


def test_load_waivers(tmp_path: Path) -> None:
    (tmp_path / "waivers.yaml").write_text(
        "waivers:\n"
        "  - {check: CKV_ORG_6, resource: aws_lambda_function.api, stack: serverless, env: dev,\n"
        "     reason: burst, owner: team-a, expires: 2027-01-31}\n"
    )
    [loaded] = load_waivers(tmp_path)
    assert loaded.expires == date(2027, 1, 31)
    assert loaded.stack == "serverless"
    assert load_waivers(tmp_path / "nowhere") == []


def test_shipped_waivers_file_is_valid() -> None:
    assert isinstance(load_waivers(Path(__file__).resolve().parents[2] / "policies"), list)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("{check: C, resource: r, owner: o, expires: 2027-01-01}", "waivers.0.reason: Field required"),
        ("{check: C, resource: r, reason: x, expires: 2027-01-01}", "waivers.0.owner: Field required"),
        ("{check: C, resource: r, reason: x, owner: o}", "waivers.0.expires: Field required"),
        ("{check: C, resource: r, reason: x, owner: o, expires: 2027-02-30}", "waivers.0.expires"),
        ("{check: C, resource: r, reason: x, owner: o, expires: 'next week'}", "not a YYYY-MM-DD date"),
        (
            "{check: C, resource: r, reason: x, owner: o, expires: 2027-01-01, ticket: 1}",
            "waivers.0.ticket: Extra",
        ),
        ("{check: C, resource: r, reason: '', owner: o, expires: 2027-01-01}", "waivers.0.reason"),
        (
            "{check: C, resource: r, reason: '   ', owner: o, expires: 2027-01-01}",
            "waivers.0.reason: Value error",
        ),
        (
            '{check: C, resource: r, reason: x, owner: "\\t ", expires: 2027-01-01}',
            "waivers.0.owner: Value error",
        ),
    ],
)
def test_bad_waiver_is_one_line_error(tmp_path: Path, entry: str, problem: str) -> None:
    (tmp_path / "waivers.yaml").write_text(f"waivers:\n  - {entry}\n")
    with pytest.raises(PolicyConfigError) as error:
        load_waivers(tmp_path)
    assert str(error.value).startswith(f"{tmp_path / 'waivers.yaml'}: ")
    assert problem in str(error.value)
    assert "\n" not in str(error.value)


def test_matching_waiver_waives_failed_finding() -> None:
    failed, passed = finding(), finding(resource="aws_lambda_function.other", result="passed")
    outcome = apply_waivers(
        [("serverless", "dev", failed), ("serverless", "dev", passed)], [waiver()], today=TODAY
    )
    assert failed.result == "waived"
    assert failed.waiver == {
        "reason": "bursty batch until JIRA-1",
        "owner": "team-a",
        "expires": "2027-01-31",
    }
    assert passed.result == "passed" and passed.waiver is None
    assert [w.resource for w in outcome.applied] == ["aws_lambda_function.api"]
    assert outcome.expired == outcome.stale == outcome.expiring == []


@pytest.mark.parametrize(
    "kw",
    [
        {"check": "CKV_ORG_5"},
        {"resource": "aws_lambda_function.other"},
        {"stack": "database"},
        {"env": "prod"},
    ],
)
def test_waiver_for_something_else_does_not_apply_and_is_stale(kw: dict[str, str]) -> None:
    failed = finding()
    outcome = apply_waivers([("serverless", "dev", failed)], [waiver(**kw)], today=TODAY)
    assert failed.result == "failed" and failed.waiver is None
    in_scope = "stack" not in kw and "env" not in kw
    assert len(outcome.stale) == (1 if in_scope else 0)


def test_resource_glob() -> None:
    failed = finding(resource="aws_lambda_function.api_v2")
    apply_waivers([("serverless", "dev", failed)], [waiver(resource="aws_lambda_function.api*")], today=TODAY)
    assert failed.result == "waived"


def test_expired_waiver_does_not_apply_and_blocks_the_report() -> None:
    failed = finding()
    outcome = apply_waivers([("serverless", "dev", failed)], [waiver(expires="2026-11-20")], today=TODAY)
    assert failed.result == "failed"
    assert [w.expires for w in outcome.expired] == [date(2026, 11, 20)]
    assert outcome.summary()["expired"][0]["check"] == "CKV_ORG_6"
    assert "expired waiver CKV_ORG_6 on aws_lambda_function.api" in outcome.messages()[0]
    report = Report(
        stacks=[StackReport(project="serverless", path="stacks/serverless", env="dev", resources=1)],
        summary={"waivers": outcome.summary()},
    )
    assert report.blocking("serverless") == ["expired waiver CKV_ORG_6 on aws_lambda_function.api"]


def test_waiver_expiring_today_still_applies_and_warns() -> None:
    failed = finding()
    outcome = apply_waivers([("serverless", "dev", failed)], [waiver(expires="2026-11-21")], today=TODAY)
    assert failed.result == "waived"
    assert len(outcome.expiring) == 1 and outcome.expired == []


@pytest.mark.parametrize(("expires", "warned"), [("2026-12-05", True), ("2026-12-06", False)])
def test_expiring_within_14_days_is_a_warning(expires: str, warned: bool) -> None:
    outcome = apply_waivers([("serverless", "dev", finding())], [waiver(expires=expires)], today=TODAY)
    assert bool(outcome.expiring) is warned


def test_out_of_scope_waivers_are_not_judged() -> None:
    # A run over `serverless` in dev does not call a prod-only or database-only waiver stale or expired.
    waivers = [waiver(env="prod", expires="2020-01-01"), waiver(stack="database")]
    outcome = apply_waivers([("serverless", "dev", finding(result="passed"))], waivers, today=TODAY)
    assert outcome.expired == outcome.stale == []
