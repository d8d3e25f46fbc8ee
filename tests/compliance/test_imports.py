"""Graphs from `pulumi preview --json` and `pulumi stack export` files (hand-written fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.errors import ConfigError
from compliance.imports import clean_value, graph_from_preview, graph_from_state, parse_source_position
from compliance.model import SECRET, SourcePosition

FIXTURES = Path(__file__).parent / "programs" / "cli_output"
API = "urn:pulumi:dev::serverless::pulumi:pulumi:Stack$platform:serverless:Api::orders"
FUNCTION = "urn:pulumi:dev::serverless::platform:serverless:Api$aws:lambda/function:Function::orders-handler"
ROLE = "urn:pulumi:dev::serverless::platform:serverless:Api$aws:iam/role:Role::orders-role"


def test_preview_keeps_the_desired_state_only() -> None:
    graph = graph_from_preview(FIXTURES / "preview.json", project_path="stacks/serverless")
    assert (graph.project, graph.env, graph.path) == ("serverless", "dev", "stacks/serverless")
    # No Stack, no default provider, no read (StackReference), no deleted bucket.
    assert [r.urn for r in graph.resources] == [API, FUNCTION, ROLE]
    function = graph.resources[1]
    assert function.type == "aws:lambda/function:Function"
    assert function.name == "orders-handler"
    assert function.parent == API
    assert function.provider is None  # default provider, like the offline evaluation
    assert function.inputs["tracingConfig"] == {"mode": "Active"}
    assert "__defaults" not in json.dumps(function.inputs)
    assert function.inputs["role"] is None  # unknown during preview
    assert function.property_dependencies == {"role": [ROLE]}
    assert function.depends_on == [ROLE]
    role = graph.resources[2]
    assert role.protect is True and role.inputs["name"] == "orders-role"  # newState, not oldState


def test_preview_masks_secrets_everywhere() -> None:
    graph = graph_from_preview(FIXTURES / "preview.json")
    text = graph.model_dump_json()
    assert "cipher" not in text
    function = graph.resources[1]
    assert function.inputs["environment"]["variables"] == {"API_KEY": SECRET, "TABLE": "orders"}
    assert graph.outputs == {"apiUrl": None, "apiKey": SECRET}


def test_preview_source_positions_point_at_the_program_line() -> None:
    graph = graph_from_preview(
        FIXTURES / "preview.json", project_path="stacks/serverless", repo_root=Path("/home/dev/repo")
    )
    api, function, _ = graph.resources
    program_line = SourcePosition(file="stacks/serverless/__main__.py", line=14)
    assert api.source == program_line and api.source_inner is None
    assert function.source == program_line
    assert function.source_inner == SourcePosition(
        file="stacks/platform_components/serverless_api.py", line=88
    )


def test_state_export_reads_resources_options_and_outputs() -> None:
    graph = graph_from_state(FIXTURES / "state.json", project_path="stacks/database")
    assert (graph.project, graph.env) == ("database", "prod")
    names = [r.name for r in graph.resources]
    assert names == ["useast1", "db-key", "orders-db"]  # explicit provider kept, deleted bucket dropped
    key, cluster = graph.resources[1], graph.resources[2]
    provider_ref = (
        "urn:pulumi:prod::database::pulumi:providers:aws::useast1::0d3a8f0e-5f2b-4c3e-9a61-7b8c9d0e1f2a"
    )
    assert cluster.provider == provider_ref
    assert key.protect is True and key.id == "1234abcd-12ab-34cd-56ef-1234567890ab"
    assert cluster.property_dependencies == {"kmsKeyId": [key.urn]}
    assert cluster.depends_on == [key.urn]
    assert cluster.outputs["endpoint"] == "orders-db.cluster-abc.us-east-1.rds.amazonaws.com"
    assert cluster.source == SourcePosition(file="stacks/database/__main__.py", line=14)
    assert graph.outputs["clusterArn"] == "arn:aws:rds:us-east-1:111122223333:cluster:orders-db"


def test_state_export_never_leaks_ciphertext_or_plaintext_secrets() -> None:
    graph = graph_from_state(FIXTURES / "state.json")
    text = graph.model_dump_json()
    assert "cipher" not in text and "hunter2" not in text
    cluster = graph.resources[2]
    assert cluster.inputs["masterPassword"] == SECRET
    assert cluster.outputs["masterPassword"] == SECRET
    assert graph.outputs["masterPassword"] == SECRET


def test_source_position_uris() -> None:
    assert parse_source_position("project:///__main__.py#12,5") == SourcePosition(file="__main__.py", line=12)
    assert parse_source_position("project:///lib/net.py#3", project_path="stacks/edge") == SourcePosition(
        file="stacks/edge/lib/net.py", line=3
    )
    assert parse_source_position("file:///abs/x%20y.py#7,1") == SourcePosition(file="/abs/x y.py", line=7)
    assert parse_source_position("file:///elsewhere/x.py#7", repo_root=Path("/repo")) == SourcePosition(
        file="/elsewhere/x.py", line=7
    )
    assert parse_source_position(None) is None
    assert parse_source_position("project:///x.py") is None
    assert parse_source_position("https://x/y.py#1") is None


def test_clean_value_handles_references_and_unknowns() -> None:
    ref = {"4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e", "urn": "urn:x", "id": "i"}
    assert clean_value({"a": ref, "b": ["04da6b54-80e4-46f7-96ec-b56ff0331ba9", 1]}) == {
        "a": "urn:x",
        "b": [None, 1],
    }


def test_bad_files_are_config_errors_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "preview.json"
    broken.write_text("{not json")
    with pytest.raises(ConfigError, match=rf"^{broken}:1: invalid JSON"):
        graph_from_preview(broken)
    other = tmp_path / "other.json"
    other.write_text('{"deployment": {}}')
    with pytest.raises(ConfigError, match="no 'steps' list"):
        graph_from_preview(other)
    assert graph_from_state(other).resources == []
    not_export = tmp_path / "export.json"
    not_export.write_text("[]")
    with pytest.raises(ConfigError, match=r"no deployment\.resources"):
        graph_from_state(not_export)
    with pytest.raises(ConfigError, match=r"missing\.json: cannot read"):
        graph_from_state(tmp_path / "missing.json")
