"""A stale waiver whose resource is close to a real one says which one it probably meant."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from compliance.model import Finding, Report, StackReport
from compliance.report import render_markdown
from policies.waivers import Waiver, apply_waivers, load_waivers

TODAY = date(2026, 11, 21)
ROOT = Path(__file__).resolve().parents[2]


def finding(resource: str, result: str = "failed", check: str = "CKV_AWS_117") -> Finding:
    return Finding.model_validate(
        {
            "check_id": check,
            "title": "t",
            "result": result,
            "resource": resource,
            "type": "aws:lambda/function:Function",
        }
    )


def waiver(resource: str, **kw: object) -> Waiver:
    data: dict[str, object] = {
        "check": "CKV_AWS_117",
        "resource": resource,
        "reason": "no VPC yet",
        "owner": "team-orders",
        "expires": "2027-01-31",
        **kw,
    }
    return Waiver.model_validate(data)


def run(waivers: list[Waiver]) -> tuple[list[str], dict[str, list[dict[str, object]]]]:
    findings = [
        ("serverless", "prod", finding("orders-api")),
        ("serverless", "prod", finding("orders-worker", result="passed")),
        ("edge", "prod", finding("site-cdn", check="CKV_AWS_86")),
    ]
    outcome = apply_waivers(findings, waivers, today=TODAY)
    return outcome.messages(), outcome.summary()


def test_typo_suggests_the_close_resource() -> None:
    messages, summary = run([waiver("orders-apy")])
    [stale] = summary["stale"]
    assert stale["resource"] == "orders-apy" and stale["did_you_mean"] == "orders-api"
    assert messages == [
        "stale waiver CKV_AWS_117 on orders-apy: matches no failed finding; did you mean `orders-api`?"
    ]


def test_terraform_address_suggests_the_pulumi_logical_name() -> None:
    _, summary = run([waiver("aws_lambda_function.orders-api", stack="serverless")])
    assert summary["stale"][0]["did_you_mean"] == "orders-api"


def test_no_suggestion_when_nothing_is_close_or_for_globs_or_other_stacks() -> None:
    _, summary = run([waiver("billing-export"), waiver("orders-x*"), waiver("orders-apy", stack="edge")])
    assert [s["resource"] for s in summary["stale"]] == ["billing-export", "orders-x*", "orders-apy"]
    assert all("did_you_mean" not in s for s in summary["stale"])


def test_a_waiver_that_matches_has_no_hint() -> None:
    messages, summary = run([waiver("orders-api")])
    assert summary["stale"] == [] and messages == []


def test_the_suggestion_reaches_the_reports() -> None:
    _, summary = run([waiver("orders-apy")])
    stack = StackReport(project="serverless", path="stacks/serverless", env="prod", resources=2)
    md = render_markdown(Report(stacks=[stack], summary={"waivers": summary}))
    assert "stale waiver (matches no finding): `CKV_AWS_117` on `orders-apy`" in md
    assert "did you mean `orders-api`?" in md


def test_the_waivers_file_header_example_uses_a_logical_name() -> None:
    header = [
        line for line in (ROOT / "policies/waivers.yaml").read_text().splitlines() if line.startswith("#")
    ]
    example = next(line for line in header if "resource:" in line)
    name = example.split("resource:", 1)[1].split("#", 1)[0].strip()
    assert name and "." not in name and not name.startswith("aws_"), example
    assert load_waivers(ROOT / "policies") is not None
