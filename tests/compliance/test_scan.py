"""scan(): Checkov's terraform_plan runner in-process over bridged plans -> Findings per stack."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from compliance.bridge import to_terraform_plan
from compliance.errors import ConfigError
from compliance.model import Resource, SourcePosition, StackGraph
from compliance.scan import scan


def res(token: str, name: str, inputs: dict[str, Any], line: int, **kw: Any) -> Resource:
    urn = f"urn:pulumi:dev::p::pulumi:pulumi:Stack${token}::{name}"
    return Resource(
        urn=urn,
        type=token,
        name=name,
        id=kw.pop("id", f"{name}-id"),
        inputs=inputs,
        outputs={**inputs, "arn": f"arn:aws:mock:::{name}"},
        source=SourcePosition(file="stacks/p/__main__.py", line=line),
        **kw,
    )


def stack(project: str, *resources: Resource) -> StackGraph:
    return StackGraph(project=project, path=f"stacks/{project}", env="dev", resources=list(resources))


@pytest.fixture(scope="module")
def two_stacks() -> tuple[StackGraph, StackGraph]:
    bucket = res("aws:s3/bucket:Bucket", "data", {"bucket": "data-b"}, 10, id="data-b")
    versioning = res(
        "aws:s3/bucketVersioning:BucketVersioning",
        "data-versioning",
        {"bucket": "data-b", "versioningConfiguration": {"status": "Enabled"}},
        11,
        property_dependencies={"bucket": [bucket.urn]},
    )
    bare = res("aws:s3/bucket:Bucket", "bare", {"bucket": "bare-b"}, 20, id="bare-b")
    inner = res("aws:ebs/volume:Volume", "disk", {"availabilityZone": "us-east-1a", "size": 1}, 5)
    inner = inner.model_copy(
        update={"source": None, "source_inner": SourcePosition(file="components/disk.py", line=7)}
    )
    return stack("storage", bucket, versioning, bare), stack("compute", inner)


@pytest.fixture(scope="module")
def results(two_stacks: tuple[StackGraph, StackGraph]) -> dict[tuple[str, str], list[Any]]:
    return scan([(g, to_terraform_plan(g)) for g in two_stacks])


def find(findings: list[Any], check_id: str, resource: str) -> Any:
    return next(f for f in findings if f.check_id == check_id and f.resource == resource)


def test_results_are_keyed_by_project_and_env(results: dict[tuple[str, str], list[Any]]) -> None:
    assert set(results) == {("storage", "dev"), ("compute", "dev")}
    # no versioning checks; the stack's default provider (stack config) is checked too
    assert {f.resource for f in results[("storage", "dev")]} == {"data", "bare", "default-provider"}
    assert {f.resource for f in results[("compute", "dev")]} == {"disk", "default-provider"}


def test_graph_checks_see_connected_resources(results: dict[tuple[str, str], list[Any]]) -> None:
    storage = results[("storage", "dev")]
    assert find(storage, "CKV_AWS_21", "data").result == "passed"  # versioning via separate resource
    assert find(storage, "CKV_AWS_21", "bare").result == "failed"
    assert find(storage, "CKV2_AWS_6", "bare").result == "failed"  # a CKV2 graph check ran


def test_findings_carry_pulumi_identity_and_source(results: dict[tuple[str, str], list[Any]]) -> None:
    bare = find(results[("storage", "dev")], "CKV_AWS_18", "bare")
    assert (bare.type, bare.file, bare.line) == ("aws:s3/bucket:Bucket", "stacks/p/__main__.py", 20)
    assert bare.title == "Ensure the S3 bucket has access logging enabled"
    disk = find(results[("compute", "dev")], "CKV_AWS_3", "disk")
    assert (disk.result, disk.file, disk.line) == ("failed", "components/disk.py", 7)  # source_inner
    assert disk.severity == "MEDIUM"  # from the fallback map: OSS Checkov checks carry none


def test_check_ids_filter_and_external_checks(tmp_path: Path) -> None:
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "__init__.py").write_text("")
    (checks / "ebs_size.py").write_text(
        "from checkov.common.models.enums import CheckCategories, CheckResult\n"
        "from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck\n\n"
        "class EbsSize(BaseResourceCheck):\n"
        "    def __init__(self):\n"
        "        super().__init__(name='EBS volumes are at least 10 GiB', id='CKV_ORG_901',\n"
        "                         categories=[CheckCategories.GENERAL_SECURITY],\n"
        "                         supported_resources=['aws_ebs_volume'])\n\n"
        "    def scan_resource_conf(self, conf):\n"
        "        return CheckResult.PASSED if conf.get('size', [0])[0] >= 10 else CheckResult.FAILED\n\n"
        "check = EbsSize()\n"
    )
    small = res("aws:ebs/volume:Volume", "small", {"availabilityZone": "us-east-1a", "size": 1}, 3)
    big = res("aws:ebs/volume:Volume", "big", {"availabilityZone": "us-east-1a", "size": 50}, 4)
    graph = stack("vols", small, big)
    found = scan(
        [(graph, to_terraform_plan(graph))],
        external_checks_dirs=[checks],
        check_ids=["CKV_ORG_901", "CKV_AWS_3"],
    )[("vols", "dev")]
    assert {(f.check_id, f.resource, f.result) for f in found} == {
        ("CKV_ORG_901", "small", "failed"),
        ("CKV_ORG_901", "big", "passed"),
        ("CKV_AWS_3", "small", "failed"),
        ("CKV_AWS_3", "big", "failed"),
    }


def test_a_stack_without_aws_resources_gets_an_empty_list() -> None:
    empty = stack("empty", res("random:index/randomPet:RandomPet", "pet", {}, 1))
    assert scan([(empty, to_terraform_plan(empty))]) == {("empty", "dev"): []}


CHECK = (
    "from checkov.common.models.enums import CheckCategories, CheckResult\n"
    "from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck\n\n"
    "class Fixed(BaseResourceCheck):\n"
    "    def __init__(self):\n"
    "        super().__init__(name='fixed verdict', id='CKV_ORG_903',\n"
    "                         categories=[CheckCategories.GENERAL_SECURITY],\n"
    "                         supported_resources=['aws_ebs_volume'])\n\n"
    "    def scan_resource_conf(self, conf):\n"
    "        return CheckResult.{verdict}\n\n"
    "check = Fixed()\n"
)
GRAPH_CHECK = """\
metadata: {id: CKV2_ORG_904, name: EBS volumes have an owner tag, category: GENERAL_SECURITY}
definition: {cond_type: attribute, resource_types: [aws_ebs_volume], attribute: tags.owner, operator: exists}
"""


def test_external_checks_are_scoped_to_their_run(tmp_path: Path) -> None:
    """A newer revision of a check replaces the older one; checks of a dropped directory stop running."""
    revisions = []
    for name, verdict in (("rev1", "FAILED"), ("rev2", "PASSED")):
        directory = tmp_path / name
        directory.mkdir()
        (directory / "__init__.py").write_text("")  # Checkov loads Python checks only from packages
        (directory / "fixed.py").write_text(CHECK.replace("{verdict}", verdict))
        (directory / "owner.yaml").write_text(GRAPH_CHECK)
        revisions.append(directory)
    inputs = {"availabilityZone": "a", "size": 5, "tags": {"owner": "x"}}
    volume = res("aws:ebs/volume:Volume", "v", inputs, 1)
    graph = stack("vols", volume)

    def verdicts(dirs: list[Path]) -> set[tuple[str, str]]:
        found = scan([(graph, to_terraform_plan(graph))], external_checks_dirs=dirs)[("vols", "dev")]
        return {(f.check_id, f.result) for f in found if "_ORG_" in f.check_id}

    assert verdicts([revisions[0]]) == {("CKV_ORG_903", "failed"), ("CKV2_ORG_904", "passed")}
    assert verdicts([revisions[1]]) == {("CKV_ORG_903", "passed"), ("CKV2_ORG_904", "passed")}
    assert verdicts([]) == set()


def test_same_address_in_two_stacks_does_not_cross_connect() -> None:
    """Stacks share one Checkov run; a reference in one stack never resolves into another."""
    ours = res("aws:s3/bucket:Bucket", "data", {"bucket": "a-data"}, 1, id="a-data")
    versioning = res(
        "aws:s3/bucketVersioning:BucketVersioning",
        "ver",
        {"bucket": "a-data", "versioningConfiguration": {"status": "Enabled"}},
        2,
        property_dependencies={"bucket": [ours.urn]},
    )
    theirs = res("aws:s3/bucket:Bucket", "data", {"bucket": "b-data"}, 1, id="b-data")
    a, b = stack("a", ours, versioning), stack("b", theirs)
    for order in ((a, b), (b, a)):
        found = scan([(g, to_terraform_plan(g)) for g in order], check_ids=["CKV_AWS_21"])
        assert [f.result for f in found[("a", "dev")]] == ["passed"]
        assert [f.result for f in found[("b", "dev")]] == ["failed"]


def test_preload_imports_checkov_and_loads_the_graph_checks() -> None:
    """In a fresh interpreter: preload() leaves the graph checks loaded and the offline env set."""
    code = (
        "import os\n"
        "from compliance.scan import preload\n"
        "preload()\n"
        "from checkov.common.checks_infra.registry import get_graph_checks_registry\n"
        "assert any(c.id == 'CKV2_AWS_6' for c in get_graph_checks_registry('terraform').checks)\n"
        "assert os.environ['CKV_SKIP_PACKAGE_UPDATE_CHECK'] == 'TRUE'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CKV_SKIP_PACKAGE_UPDATE_CHECK"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-1000:]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"__init__.py": "", "broken.py": "raise RuntimeError('typo in check')\n"}, "broken.py"),
        ({"ok.py": "x = 1\n"}, "without __init__.py"),
        ({"bad.yaml": "metadata: {id: CKV2_ORG_905}\n"}, "bad.yaml"),
    ],
)
def test_a_check_that_cannot_load_is_a_config_error(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    """Checkov would log and skip it: a policy silently not enforced. We stop with one line instead."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    graph = stack("vols", res("aws:ebs/volume:Volume", "v", {"size": 5}, 1))
    with pytest.raises(ConfigError, match=expected) as info:
        scan([(graph, to_terraform_plan(graph))], external_checks_dirs=[tmp_path])
    assert "\n" not in str(info.value)


def test_scan_never_touches_the_network() -> None:
    """In a fresh interpreter (Checkov's import-time calls included), no socket connects or resolves."""
    code = """
import socket
attempts = []
def refuse(*args, **kwargs):
    attempts.append(args[1:] if len(args) > 1 else args)
    raise OSError("network disabled in test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.getaddrinfo = refuse
socket.create_connection = refuse
from compliance.bridge import to_terraform_plan
from compliance.model import Resource, StackGraph
from compliance.scan import scan
t = "aws:s3/bucket:Bucket"
r = Resource(urn=f"urn:pulumi:dev::p::pulumi:pulumi:Stack${t}::b", type=t, name="b", inputs={"bucket": "b"})
g = StackGraph(project="p", path="p", env="dev", resources=[r])
found = scan([(g, to_terraform_plan(g))])[("p", "dev")]
assert any(f.check_id == "CKV_AWS_18" and f.result == "failed" for f in found), found
assert attempts == [], attempts
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BC_", "CKV_"))}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_gc_is_paused_only_during_the_checkov_run() -> None:
    import gc

    from compliance.gc_pause import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()
