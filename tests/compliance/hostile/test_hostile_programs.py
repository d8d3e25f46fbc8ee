"""Hostile programs: what they write, print, read or plant never changes what the gate records."""

from __future__ import annotations

import json
import os
import py_compile
import subprocess
import sys
import textwrap
from pathlib import Path

import git
import pytest

from compliance.evaluate import evaluate_project
from compliance.model import StackGraph
from compliance.sandbox import probe_bubblewrap

ALLOWED_ENV = {
    "PATH",
    "HOME",
    "TMPDIR",
    "LANG",
    "PYTHONHASHSEED",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONNOUSERSITE",
    "GRPC_VERBOSITY",
    "LANGUAGE",
    "TZ",
    "TERM",
    "NO_COLOR",
    "PYTHONUTF8",
    "PYTHONIOENCODING",
    "GITOPS_SANDBOX_RUN",
    "PWD",
    "PULUMI_CONFIG",
    "PULUMI_CONFIG_SECRET_KEYS",
}


def project(
    root: Path, name: str, files: dict[str, str], config: str = "config:\n  aws:region: eu-west-1\n"
) -> Path:
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (path / "Pulumi.dev.yaml").write_text(config)
    for rel, text in files.items():
        (path / rel).write_text(textwrap.dedent(text))
    return path


FORGER = """\
import json
import os
import sys
from pathlib import Path

import pulumi
import pulumi_aws as aws

EMPTY = {"project": "orders", "path": "stacks/orders", "env": "dev", "resources": [], "error": None}


def forge(_arn):
    targets = {Path(a) for a in sys.argv[1:]}
    for top in {os.environ["TMPDIR"], os.getcwd()}:  # never beyond its own run: this machine is shared
        for base, _dirs, files in os.walk(top):
            targets.update(Path(base) / f for f in files if f.endswith((".json", ".out", "log")))
    for target in targets:
        try:
            if target.is_symlink() or target.stat().st_nlink != 1:  # only its own files, never shared ones
                continue
            target.write_text(json.dumps(EMPTY))
        except OSError:
            pass
    print(json.dumps(EMPTY), flush=True)
    os._exit(0)


queue = aws.sqs.Queue("orders", sqs_managed_sse_enabled=False)
queue.arn.apply(forge)
"""


@pytest.mark.slow
def test_forged_result_changes_nothing_the_gate_still_fails_the_public_queue(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = git.Repo.init(root, initial_branch="main")
    project(root / "stacks", "orders", {"__main__.py": FORGER})
    (root / "policies").mkdir()
    (root / "policies" / "enforcement.yaml").write_text(
        "default: disabled\nchecks:\n  CKV_AWS_27: mandatory\n"
    )
    (root / "policies" / "waivers.yaml").write_text("waivers: []\n")
    repo.git.add(A=True)
    repo.index.commit("forger")
    out = tmp_path / "report.json"  # outside the repository: the program cannot guess it
    cmd = [sys.executable, "-m", "gitops_agent.cli", "check", "stacks", "--format", "json", "--out", str(out)]
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1 and out.is_file(), done.stdout[-2000:] + done.stderr[-2000:]
    (stack,) = json.loads(out.read_text())["stacks"]
    assert stack["error"] is None and stack["resources"] == 1
    failed = [f for f in stack["findings"] if f["check_id"] == "CKV_AWS_27"]
    assert [f["result"] for f in failed] == ["failed"] and failed[0]["resource"] == "orders"


def test_forged_result_in_process_keeps_the_registered_resource(tmp_path: Path) -> None:
    path = project(tmp_path, "orders", {"__main__.py": FORGER})
    graph = evaluate_project(path, "dev", repo_root=tmp_path)
    assert graph.error is None
    assert [(r.type, r.name) for r in graph.resources] == [("aws:sqs/queue:Queue", "orders")]
    assert graph.resources[0].inputs["sqsManagedSseEnabled"] is False


ENV_SNOOP = """\
import os

import pulumi

pulumi.export("environ", dict(os.environ))
"""


def test_the_program_gets_an_allow_listed_environment_without_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sentinel = "sentinel-7f3a9c"
    for name in ("AWS_SECRET_ACCESS_KEY", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "GITHUB_TOKEN"):
        monkeypatch.setenv(name, f"{sentinel}-{name}")
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(tmp_path / "shared-cache"))
    path = project(tmp_path, "snoop", {"__main__.py": ENV_SNOOP})
    graph = evaluate_project(path, "dev", repo_root=tmp_path)
    assert graph.error is None, graph.error
    environ = graph.outputs["environ"]
    assert {k for k in environ if not k.startswith("LC_")} <= ALLOWED_ENV
    assert sentinel not in graph.model_dump_json()
    assert environ["PYTHONDONTWRITEBYTECODE"] == "1" and "PYTHONPYCACHEPREFIX" not in environ
    assert Path(environ["HOME"]).is_relative_to(environ["TMPDIR"])


PLANTED = """\
import pulumi

pulumi.export("helper", "POISONED")
"""


def test_a_pyc_planted_in_the_old_shared_bytecode_cache_is_never_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    path = project(
        tmp_path,
        "victim",
        {
            "helper.py": 'import pulumi\n\npulumi.export("helper", "clean")\n',
            "__main__.py": "import helper\n",
        },
    )
    helper = (path / "helper.py").resolve()
    # Where the former evaluation worker's PYTHONPYCACHEPREFIX put the bytecode of helper.py.
    prefix = cache_home / "gitops-iac" / "pycache"
    tag = sys.implementation.cache_tag
    planted = prefix / str(helper.parent).lstrip("/") / f"helper.{tag}.pyc"
    planted.parent.mkdir(parents=True)
    source = tmp_path / "evil.py"
    source.write_text(PLANTED)
    py_compile.compile(
        str(source), cfile=str(planted), invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    graph = evaluate_project(path, "dev", repo_root=tmp_path)
    assert graph.error is None, graph.error
    assert graph.outputs == {"helper": "clean"}
    assert not (path / "__pycache__").exists()  # the program's run leaves no bytecode behind either


ASSETS = """\
import pulumi
import pulumi_aws as aws

bucket = aws.s3.BucketV2("site")
for key, source in {
    "inside": pulumi.FileAsset("index.html"),
    "link": pulumi.FileAsset("passwd-link"),
    "absolute": pulumi.FileAsset("/etc/hostname"),
    "outside": pulumi.FileAsset("../../outside.txt"),
    "archive": pulumi.FileArchive("./site"),
}.items():
    aws.s3.BucketObjectv2(key, bucket=bucket.id, key=key, source=source)
"""


def test_file_assets_are_hashed_only_inside_the_repository(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    path = project(root, "web", {"__main__.py": ASSETS})
    (path / "index.html").write_text("<h1>hi</h1>")
    os.symlink("/etc/passwd", path / "passwd-link")
    (tmp_path / "outside.txt").write_text("not yours")
    (path / "site").mkdir()
    (path / "site" / "page.html").write_text("page")
    os.symlink("/etc/passwd", path / "site" / "leak")
    graph: StackGraph = evaluate_project(path, "dev", repo_root=root)
    assert graph.error is None, graph.error
    source = {r.name: r.inputs["source"] for r in graph.resources if r.name != "site"}
    assert source["inside"]["path"] == "web/index.html" and len(source["inside"]["hash"]) == 64
    for name in ("link", "absolute", "outside"):
        assert source[name]["hash"] is None, name
        assert "outside the repository" in source[name]["note"], name
    assert source["link"]["path"] == "web/passwd-link"
    assert source["archive"]["path"] == "web/site" and len(source["archive"]["hash"]) == 64
    assert "not read or hashed" in source["archive"]["note"]


SQUATTER = """\
import os
import socket
import sys
from pathlib import Path

import pulumi
import pulumi_aws as aws

# the request came on stdin and is gone; the socket sits beside the program's home
monitor = Path(os.environ["HOME"]).parent / "monitor" / "monitor.sock"
attempts = {"read the request again": repr(sys.stdin.read())}
for name, attack in {
    "replace the socket": lambda: os.unlink(monitor),
    "plant a file beside the socket": lambda: (monitor.parent / "monitor.sock.new").write_text("x"),
    "listen beside the socket": lambda: socket.socket(socket.AF_UNIX).bind(str(monitor) + ".2"),
}.items():
    try:
        attack()
        attempts[name] = "done"
    except OSError as exc:
        attempts[name] = type(exc).__name__
pulumi.export("attempts", attempts)
aws.sqs.Queue("orders", sqs_managed_sse_enabled=False)
"""


def test_the_monitor_socket_and_the_request_are_out_of_the_programs_reach(tmp_path: Path) -> None:
    found = probe_bubblewrap()
    if found.path is None:
        pytest.skip(f"bubblewrap cannot run here: {found.reason}")
    path = project(tmp_path, "squatter", {"__main__.py": SQUATTER})
    graph = evaluate_project(path, "dev", repo_root=tmp_path, sandbox="required")
    assert graph.error is None, graph.error
    assert graph.confinement == "bubblewrap"
    attempts = graph.outputs["attempts"]
    assert attempts.pop("read the request again") == "''", graph.outputs
    assert len(attempts) == 3 and set(attempts.values()) <= {"PermissionError", "OSError"}, graph.outputs
    assert [(r.type, r.name) for r in graph.resources] == [("aws:sqs/queue:Queue", "orders")]
