"""The graph diff: create/update/delete by URN, aliases, protect, stateful, properties, outputs."""

from __future__ import annotations

from graphs import graph, resource, urn

from compliance.model import SECRET
from compliance.preview.diff import canonical_urn, count_changes, diff_graphs

QUEUE = "aws:sqs/queue:Queue"
FUNCTION = "aws:lambda/function:Function"
CLUSTER = "aws:rds/cluster:Cluster"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"


def ops(preview):  # type: ignore[no-untyped-def]
    return {(c.op, c.resource) for c in preview.changes}


def test_unchanged_graphs_have_no_changes() -> None:
    g = graph(resource(QUEUE, "orders", visibilityTimeoutSeconds=30))
    result = diff_graphs(g, g.model_copy(deep=True))
    assert result.changes == [] and result.status == "unchanged"
    assert result.summary.model_dump() == {"create": 0, "update": 0, "delete": 0, "same": 1}


def test_property_change_uses_python_names_and_nested_paths() -> None:
    before = graph(
        resource(DISTRIBUTION, "cdn", inputs={"origins": [{"domainName": "a.example.com", "originId": "a"}]})
    )
    after = graph(
        resource(DISTRIBUTION, "cdn", inputs={"origins": [{"domainName": "b.example.com", "originId": "a"}]})
    )
    (change,) = diff_graphs(before, after).changes
    assert change.op == "update"
    assert [(p.path, p.before, p.after) for p in change.properties] == [
        ("origins[0].domain_name", "a.example.com", "b.example.com")
    ]


def test_map_keys_stay_as_written_and_secrets_stay_masked() -> None:
    before = graph(
        resource(
            FUNCTION,
            "api",
            inputs={
                "memorySize": 128,
                "tags": {"CostCenter": "a"},
                "environment": {"variables": {"DB_PASSWORD": SECRET}},
            },
        )
    )
    after = graph(
        resource(
            FUNCTION,
            "api",
            inputs={
                "memorySize": 256,
                "tags": {"CostCenter": "b"},
                "environment": {"variables": {"DB_PASSWORD": "plain"}},
            },
        )
    )
    paths = {p.path: (p.before, p.after) for p in diff_graphs(before, after).changes[0].properties}
    assert paths["memory_size"] == (128, 256)
    assert paths["tags.CostCenter"] == ("a", "b")
    assert paths["environment.variables.DB_PASSWORD"] == (SECRET, "plain")


def test_long_values_are_shortened() -> None:
    before = graph(resource(FUNCTION, "api", inputs={"description": "x" * 500}))
    after = graph(resource(FUNCTION, "api", inputs={"description": "y"}))
    prop = diff_graphs(before, after).changes[0].properties[0]
    assert len(prop.before) < 100 and prop.before.endswith("(500 chars)")


def test_rename_without_alias_is_delete_plus_create_marked_as_rename() -> None:
    before = graph(resource(QUEUE, "legacy", line=3))
    after = graph(resource(QUEUE, "legacy-v2", line=3))
    result = diff_graphs(before, after)
    assert ops(result) == {("create", "legacy-v2"), ("delete", "legacy")}
    delete = next(c for c in result.changes if c.op == "delete")
    assert delete.stateful and delete.unaliased_rename == canonical_urn(urn(QUEUE, "legacy-v2"))


def test_rename_with_alias_is_an_update() -> None:
    before = graph(resource(QUEUE, "legacy"))
    old = "urn:pulumi:dev::app::aws:sqs/queue:Queue::legacy"  # a user-written URN (no stack type)
    after = graph(resource(QUEUE, "legacy-v2", aliases=[old]))
    result = diff_graphs(before, after)
    (change,) = result.changes
    assert (change.op, change.renamed_from) == ("update", old)
    assert result.summary.delete == 0 and result.summary.create == 0


def test_protected_and_retained_delete_of_a_database() -> None:
    before = graph(resource(CLUSTER, "db", protect=True, retain_on_delete=True), resource(QUEUE, "q"))
    after = graph(resource(QUEUE, "q"))
    (change,) = diff_graphs(before, after).changes
    assert (change.op, change.stateful, change.protect, change.retain_on_delete) == (
        "delete",
        True,
        True,
        True,
    )


def test_protect_change_is_an_update() -> None:
    before = graph(resource(QUEUE, "q", protect=True))
    after = graph(resource(QUEUE, "q", protect=False))
    (change,) = diff_graphs(before, after).changes
    assert change.op == "update" and change.protect_changed and change.protect_before is True


def test_outputs_added_removed_changed() -> None:
    before = graph(outputs={"a": 1, "b": "x", "same": 2})
    after = graph(outputs={"a": 2, "c": SECRET, "same": 2})
    result = diff_graphs(before, after)
    assert [(o.name, o.before, o.after) for o in result.outputs] == [
        ("a", 1, 2),
        ("b", "x", None),
        ("c", None, SECRET),
    ]
    assert result.status == "changed"


def test_new_and_removed_stacks() -> None:
    g = graph(resource(QUEUE, "q"))
    assert diff_graphs(None, g).status == "new" and diff_graphs(None, g).summary.create == 1
    assert diff_graphs(g, None).status == "removed" and diff_graphs(g, None).summary.delete == 1


def test_count_changes_matches_the_diff() -> None:
    before = {urn(QUEUE, "a"): "1", urn(QUEUE, "b"): "2", urn(QUEUE, "old"): "3"}
    after = {urn(QUEUE, "a"): "1", urn(QUEUE, "b"): "9", urn(QUEUE, "new"): "3", urn(QUEUE, "c"): "4"}
    counts = count_changes(before, after, {urn(QUEUE, "new"): [urn(QUEUE, "old")]})
    assert counts.model_dump() == {"create": 1, "update": 1, "delete": 0, "same": 2}
    assert counts.line() == "+1 ~1 -0 =2"
