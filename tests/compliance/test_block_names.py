"""Sweep: every attribute and block name a Checkov AWS check reads exists, spelled the same, in the
Terraform shape the bridge produces for that resource type.

The bridge takes Terraform names from the provider's own schema where the generated schema records
them (`tf_names`), and falls back to undoing Pulumi's pluralisation. A name a check reads that the
bridge spells differently (`log_publishing_option` for `log_publishing_options`, `aliase` for
`alias`) makes the check see nothing: this test fails on any such near miss.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Iterator

import pytest

from compliance import mapping
from compliance.scan import offline_checkov

LITERAL = re.compile(r"""(?:\.get\(|\[)\s*["']([a-z][a-z0-9_]*)["']""")

CHECKOV_SPELLS_IT_WRONG: dict[tuple[str, str], str] = {
    # (Terraform type, name a check reads) -> why the provider's name differs (the check never matches).
}


def _variants(name: str) -> set[str]:
    out = {name + "s", name + "es"}
    if name.endswith("s"):
        out.add(name[:-1])
    if name.endswith("es"):
        out.add(name[:-2])
    if name.endswith("y"):
        out.add(name[:-1] + "ies")
    if name.endswith("ies"):
        out.add(name[:-3] + "y")
    if name.endswith("is"):
        out.add(name[:-2] + "es")
    return out - {name}


@functools.cache
def _tokens_by_tf_type() -> dict[str, list[str]]:
    schema = mapping.generated_schema()
    assert schema is not None, "compliance/tf_schema/aws.zip does not match the installed pulumi_aws"
    out: dict[str, list[str]] = {}
    for _token, (tf_type, key) in schema.types.items():
        if key is not None:
            out.setdefault(tf_type, []).append(key)
    return out


def _produced(key: str, tf_type: str, seen: set[str] | None = None) -> Iterator[str]:
    """Every Terraform name the bridge writes for an args class, nested blocks included."""
    seen = set() if seen is None else seen
    if key in seen:
        return
    seen.add(key)
    for field in mapping.fields(key, tf_type).values():
        yield field.tf_name
        if field.nested:
            yield from _produced(field.nested, tf_type, seen)


def _read_names(check: object) -> set[str]:
    names: set[str] = set()
    getter = getattr(check, "get_inspected_key", None)
    if getter is not None:
        names.update(p for p in str(getter()).split("/") if re.fullmatch(r"[a-z][a-z0-9_]*", p))
    try:
        source = inspect.getsource(type(check))
    except (OSError, TypeError):
        return names
    names.update(LITERAL.findall(source))
    for keys in re.findall(r"def get_evaluated_keys.*?return (\[.*?\])", source, re.S):
        names.update(re.findall(r"[\"']([a-z][a-z0-9_]*)", keys))
    return names


def _near_misses() -> list[tuple[str, str, str, str]]:
    offline_checkov()
    from checkov.terraform.checks.resource.registry import resource_registry

    misses = []
    for tf_type, checks in sorted(resource_registry.checks.items()):
        keys = _tokens_by_tf_type().get(tf_type)
        if not tf_type.startswith("aws_") or not keys:
            continue
        produced = {name for key in keys for name in _produced(key, tf_type)}
        for check in checks:
            read = _read_names(check)
            for name in sorted(read - produced):
                if (tf_type, name) in CHECKOV_SPELLS_IT_WRONG:
                    continue
                # A check written for several types may read both spellings (`rule` for one, `rules`
                # for another): a near miss only when it never reads the bridge's spelling.
                close = sorted((_variants(name) & produced) - read)
                if close:
                    misses.append((check.id, tf_type, name, close[0]))
    return misses


@pytest.mark.slow
def test_no_checkov_aws_check_reads_a_name_the_bridge_spells_differently() -> None:
    misses = _near_misses()
    assert misses == [], "\n".join(
        f"{c} {t}: check reads {n!r}, bridge writes {b!r}" for c, t, n, b in misses
    )


def test_the_sweep_sees_the_names_it_must() -> None:
    """The sweep reads names from value checks and from custom checks' source alike."""
    offline_checkov()
    from checkov.terraform.checks.resource.registry import resource_registry

    read = set().union(*(_read_names(c) for c in resource_registry.checks["aws_opensearch_domain"]))
    assert {"log_publishing_options", "encrypt_at_rest", "log_type", "enforce_https"} <= read
    (key,) = _tokens_by_tf_type()["aws_opensearch_domain"]
    assert "log_publishing_options" in set(_produced(key, "aws_opensearch_domain"))


@pytest.mark.parametrize(
    ("token", "prop", "tf_name"),
    [
        ("aws:opensearch/domain:Domain", "logPublishingOptions", "log_publishing_options"),
        ("aws:elasticsearch/domain:Domain", "logPublishingOptions", "log_publishing_options"),
        ("aws:route53/record:Record", "aliases", "alias"),
        ("aws:cloudfront/distribution:Distribution", "origins", "origin"),
        ("aws:ec2/securityGroup:SecurityGroup", "ingress", "ingress"),
        ("aws:cloudwatch/eventBus:EventBus", "name", "name"),
    ],
)
def test_names_come_from_the_provider(token: str, prop: str, tf_name: str) -> None:
    key = mapping.args_key(token)
    assert key is not None
    assert mapping.fields(key, mapping.tf_type(token) or "")[prop].tf_name == tf_name
