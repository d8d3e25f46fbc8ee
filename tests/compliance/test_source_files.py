"""Source files named by a program (positions, errors) are read only when they are regular files
inside the repository, of bounded size: a hostile name never hangs or floods the gate."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from compliance.attribute_lines import AttributeLines
from compliance.bridge import to_terraform_plan
from compliance.model import Resource, SourcePosition, StackGraph
from compliance.scan import scan
from compliance.source_files import MAX_SOURCE_BYTES, read_source

PROGRAM = 'import pulumi_aws as aws\n\nsite = aws.s3.BucketV2(\n    "site",\n    acl="public-read",\n)\n'


def repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.py").write_text(PROGRAM)
    os.mkfifo(root / "pipe.py")
    (root / "zero.py").symlink_to("/dev/null")  # a device (not /dev/zero: a regression must not eat memory)
    (tmp_path / "outside.py").write_text(PROGRAM)
    (root / "out.py").symlink_to(tmp_path / "outside.py")
    (root / "big.py").write_bytes(b"#" * (MAX_SOURCE_BYTES + 1))
    return root


def finishes(work: object, seconds: float = 30) -> None:
    worker = threading.Thread(target=work, daemon=True)  # type: ignore[arg-type]
    worker.start()
    worker.join(timeout=seconds)
    assert not worker.is_alive(), "reading a file named by the program blocked the gate"


def test_only_regular_files_inside_the_repository_are_read(tmp_path: Path) -> None:
    root = repository(tmp_path)
    results: dict[str, bytes | None] = {}

    def read_all() -> None:
        for name in ("main.py", "pipe.py", "zero.py", "out.py", "big.py", "../outside.py", "missing.py"):
            results[name] = read_source(root, name)
        results["absolute"] = read_source(root, str(tmp_path / "outside.py"))

    finishes(read_all)
    assert results.pop("main.py") == PROGRAM.encode()
    assert results == dict.fromkeys(
        ("pipe.py", "zero.py", "out.py", "big.py", "../outside.py", "missing.py", "absolute")
    )


def test_a_position_naming_a_device_or_fifo_does_not_stop_the_scan(tmp_path: Path) -> None:
    root = repository(tmp_path)
    resources = [
        Resource(
            urn=f"urn:pulumi:dev::p::aws:s3/bucketV2:BucketV2::{name}",
            type="aws:s3/bucketV2:BucketV2",
            name=name,
            id=name,
            inputs={"bucket": name, "acl": "public-read"},
            source=SourcePosition(file=file, line=3),
        )
        for name, file in (("site", "main.py"), ("zero", "zero.py"), ("pipe", "pipe.py"))
    ]
    graph = StackGraph(project="p", path=".", env="dev", resources=resources)
    found: list[object] = []

    def run_scan() -> None:
        found.extend(scan([(graph, to_terraform_plan(graph))], lines=AttributeLines(root))[("p", "dev")])

    finishes(run_scan)
    public = {f.resource: f for f in found if f.check_id == "CKV_AWS_20"}  # type: ignore[attr-defined]
    assert public["site"].line == 5  # the acl= keyword, read from the real file
    assert public["zero"].line == 3 and public["pipe"].line == 3  # the call line as sent, nothing read
