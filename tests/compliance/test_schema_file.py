"""The bridge's schema file: stored per service, read per service, same bytes for the same schema."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from compliance import mapping, schema_file

SCHEMA: dict[str, Any] = {
    "version": "7.0.0",
    "types": {
        "aws:s3/bucket:Bucket": ["aws_s3_bucket", "pulumi_aws.s3.bucket:BucketArgs"],
        "aws:lex/bot:Bot": ["aws_lex_bot", "pulumi_aws.lex.bot:BotArgs"],
    },
    "classes": {
        "pulumi_aws.s3.bucket:BucketArgs": {"bucket": ["bucket", "scalar", None]},
        "pulumi_aws.s3._inputs:BucketGrantArgs": {"permissions": ["permissions", "list", None]},
        "pulumi_aws.lex.bot:BotArgs": {"intents": ["intents", "blocks", None]},
        "pulumi_aws._inputs:ProviderEndpointArgs": {"s3": ["s3", "scalar", None]},
    },
    "tf_names": {"pulumi_aws.lex.bot:BotArgs": {"intents": "intent"}},
}


def test_a_stored_schema_reads_back_equal(tmp_path: Path) -> None:
    schema = schema_file.StoredSchema(schema_file.store(SCHEMA, tmp_path / "aws.zip"))
    assert schema.version == "7.0.0"
    assert schema.types == SCHEMA["types"]
    assert schema.class_fields("pulumi_aws.s3._inputs:BucketGrantArgs") == {
        "permissions": ["permissions", "list", None]
    }
    assert schema.class_fields("pulumi_aws._inputs:ProviderEndpointArgs") == {"s3": ["s3", "scalar", None]}
    assert schema.tf_names("pulumi_aws.lex.bot:BotArgs") == {"intents": "intent"}
    assert schema.tf_names("pulumi_aws.s3.bucket:BucketArgs") is None
    assert schema.class_fields("pulumi_aws.s3.bucket:NoSuchArgs") is None
    assert schema.class_fields("pulumi_aws.ec2.instance:InstanceArgs") is None  # no such service stored
    assert schema.as_dict() == SCHEMA


def test_one_service_is_read_without_decoding_the_others(tmp_path: Path) -> None:
    path = schema_file.store(SCHEMA, tmp_path / "aws.zip")
    with zipfile.ZipFile(path, "a") as archive:  # replace lex's member with something undecodable
        archive.writestr("classes/lex.json", "not json")
    schema = schema_file.StoredSchema(path)
    assert schema.class_fields("pulumi_aws.s3.bucket:BucketArgs") == {"bucket": ["bucket", "scalar", None]}
    with pytest.raises(json.JSONDecodeError):
        schema.class_fields("pulumi_aws.lex.bot:BotArgs")


def test_storing_the_same_schema_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    first = schema_file.store(SCHEMA, tmp_path / "a.zip").read_bytes()
    reordered = {**SCHEMA, "classes": dict(reversed(list(SCHEMA["classes"].items())))}
    assert schema_file.store(reordered, tmp_path / "b.zip").read_bytes() == first


def test_the_committed_schema_file_round_trips(tmp_path: Path) -> None:
    """What `python -m compliance.mapping` wrote reads back whole and stores to the same members."""
    committed = schema_file.StoredSchema(mapping.SCHEMA_FILE)
    again = schema_file.store(committed.as_dict(), tmp_path / "aws.zip")
    with zipfile.ZipFile(again) as new, zipfile.ZipFile(mapping.SCHEMA_FILE) as old:
        assert new.namelist() == old.namelist()
        assert all(new.read(name) == old.read(name) for name in old.namelist())


def test_a_missing_schema_file_is_none(tmp_path: Path) -> None:
    assert schema_file.load(tmp_path / "absent.zip") is None
