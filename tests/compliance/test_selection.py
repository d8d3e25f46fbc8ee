"""plan_evaluation: siblings for StackReferences, ambiguous names, duplicate names, broken projects."""

from __future__ import annotations

from pathlib import Path

from compliance.discovery import Project
from compliance.selection import plan_evaluation


def proj(path: str, name: str, *deps: str, error: str | None = None) -> Project:
    return Project(name=name, path=Path("/repo") / path, depends_on=list(deps), error=error)


def no_siblings() -> list[Project]:
    raise AssertionError("the repository should not be searched")


def test_everything_under_path_is_evaluated_and_reported() -> None:
    db, api = proj("stacks/db", "db"), proj("stacks/api", "api", "db")
    plan = plan_evaluation([api, db], [api, db], siblings=no_siblings)
    assert {p.name for p in plan.evaluate} == {"api", "db"}
    assert plan.extra == [] and plan.failed == [] and plan.referenced_only == []
    assert plan.reported == {db.path.resolve(), api.path.resolve()}


def test_a_referenced_sibling_outside_path_is_evaluated_not_reported() -> None:
    api = proj("stacks/api", "api", "db")
    db, other = proj("stacks/db", "db", "base"), proj("stacks/base", "base")
    plan = plan_evaluation([api], [api], siblings=lambda: [api, db, other])
    assert {p.name for p in plan.evaluate} == {"api", "db", "base"}
    assert {p.name for p in plan.referenced_only} == {"db", "base"}
    assert plan.reported == {api.path.resolve()}


def test_an_ambiguous_reference_fails_only_the_referencing_stack_and_its_dependents() -> None:
    one, two = proj("a/db", "db"), proj("b/db", "db")
    api, edge = proj("stacks/api", "api", "db"), proj("stacks/edge", "edge", "api")
    lone = proj("stacks/lone", "lone")
    everything = [one, two, api, edge, lone]
    plan = plan_evaluation(everything, everything, siblings=no_siblings)
    failed = {p.name: error for p, error in plan.failed}
    assert set(failed) == {"api", "edge"}
    assert "ambiguous" in failed["api"] and "a/db/Pulumi.yaml" in failed["api"]
    assert "b/db/Pulumi.yaml" in failed["api"] and "\n" not in failed["api"]
    assert failed["edge"] == "dependency api failed to evaluate"
    # both projects named db are still checked, one of them on its own
    assert {p.path.parent.name for p in plan.evaluate + plan.extra if p.name == "db"} == {"a", "b"}
    assert [p.name for p in plan.extra] == ["db"]
    assert "lone" in {p.name for p in plan.evaluate}


def test_a_broken_project_fails_alone_and_blocks_its_dependents() -> None:
    broken = proj("stacks/db", "db", error="stacks/db/Pulumi.yaml: invalid YAML (line 1)")
    api, other = proj("stacks/api", "api", "db"), proj("stacks/other", "other")
    plan = plan_evaluation([broken, api, other], [broken, api, other], siblings=no_siblings)
    assert dict((p.name, e) for p, e in plan.failed) == {
        "db": "stacks/db/Pulumi.yaml: invalid YAML (line 1)",
        "api": "dependency db failed to evaluate",
    }
    assert [p.name for p in plan.evaluate] == ["other"]
