"""The community-edition knobs the e2e test sets in its own copy of the stacks (database:aurora,
database:backupPlan, serverless:httpApi): off, they drop exactly the Pro-only resources and exports;
unset (the committed configs), nothing changes. Same mock runtime as tests/stacks."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.e2e.scenario import REPO_ROOT
from tests.e2e.support import COMMUNITY_KNOBS, set_config
from tests.stacks.conftest import evaluate

PRO_ONLY_PREFIXES = ("aws:rds/", "aws:backup/", "aws:apigatewayv2/", "aws:secretsmanager/")


def _of_pro_component(type_token: str, name: str) -> bool:
    """A resource of the Aurora component ("orders-db...") or of the AWS Backup plan ("data...")."""
    backup = type_token.startswith("aws:backup/") or type_token == "platform:data:BackupPlan"
    return name.startswith("orders-db") or name.startswith("data-backup") or backup


def _eval(project: Path, refs: dict[str, Any], tmp: Path) -> Any:
    tmp.mkdir()
    return evaluate(project, "dev", refs, tmp)


def _copy(tmp: Path, name: str) -> Path:
    dest = tmp / "stacks" / name
    shutil.copytree(REPO_ROOT / "stacks" / name, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def test_committed_dev_configs_do_not_set_the_knobs() -> None:
    for name, knobs in COMMUNITY_KNOBS.items():
        config = yaml.safe_load((REPO_ROOT / "stacks" / name / "Pulumi.dev.yaml").read_text())["config"]
        assert not {f"{name}:{k}" for k in knobs} & set(config)


def test_knobs_drop_only_the_pro_only_resources(tmp_path: Path) -> None:
    database = _copy(tmp_path, "database")
    full_db = _eval(database, {}, tmp_path / "full-db")
    set_config(database, "dev", COMMUNITY_KNOBS["database"])
    db = _eval(database, {}, tmp_path / "db")

    assert "aws:rds/cluster:Cluster" in full_db.types() and "aws:backup/plan:Plan" in full_db.types()
    assert not any(t.startswith(PRO_ONLY_PREFIXES) for t in db.types()), sorted(db.types())
    assert {"aws:dynamodb/table:Table", "aws:kms/key:Key", "aws:ec2/vpc:Vpc"} <= db.types()
    # Everything else is declared exactly as before (same names, same inputs).
    kept = [r for r in full_db.resources if not _of_pro_component(r["type"], r["name"])]
    removed = {(r["type"], r["name"]) for r in full_db.resources} - {
        (r["type"], r["name"]) for r in db.resources
    }
    # ...and what went are the Aurora and AWS Backup components with their children (roles, SG, logs).
    assert removed and all(_of_pro_component(t, n) for t, n in removed), sorted(removed)
    same = {(r["type"], r["name"]): r["inputs"] for r in db.resources}
    assert kept and all(same.get((r["type"], r["name"])) == r["inputs"] for r in kept)
    assert set(full_db.outputs) - set(db.outputs) == {"clusterEndpoint", "clusterSecretArn"}

    serverless = _copy(tmp_path, "serverless")
    refs = {"organization/database/dev": db.outputs}
    full_sl = _eval(serverless, refs, tmp_path / "full-sl")
    set_config(serverless, "dev", COMMUNITY_KNOBS["serverless"])
    sl = _eval(serverless, refs, tmp_path / "sl")
    assert "aws:apigatewayv2/api:Api" in full_sl.types()
    assert not any(t.startswith("aws:apigatewayv2/") for t in sl.types())
    assert {"aws:lambda/function:Function", "aws:sqs/queue:Queue"} <= sl.types()
    assert set(full_sl.outputs) - set(sl.outputs) == {"apiEndpoint", "apiDomain", "apiId"}
