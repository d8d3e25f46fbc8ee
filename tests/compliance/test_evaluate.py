"""Offline evaluation of real Pulumi programs (tests/compliance/programs) under the mock engine."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from compliance.discovery import Project, discover
from compliance.evaluate import config_values, evaluate_many, evaluate_project, placeholder_for
from compliance.model import SECRET, Resource, StackGraph

PROGRAMS = Path(__file__).parent / "programs"
REPO = Path(__file__).resolve().parents[2]
REL = "tests/compliance/programs"


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line of `path` containing `text`."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def by_name(graph: StackGraph, name: str) -> Resource:
    matches = [r for r in graph.resources if r.name == name]
    assert len(matches) == 1, [r.name for r in graph.resources]
    return matches[0]


def write_program(directory: Path, source: str, *, name: str = "scratch", config: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (directory / "__main__.py").write_text(source)
    if config:
        (directory / "Pulumi.dev.yaml").write_text(config)
    return directory


@pytest.fixture(scope="module")
def component() -> StackGraph:
    return evaluate_project(PROGRAMS / "component", "dev", repo_root=REPO)


def test_component_program_registers_every_resource_with_types_and_parents(component: StackGraph) -> None:
    assert component.error is None
    assert component.project == "component-app"
    assert component.path == f"{REL}/component"
    types = {r.name: r.type for r in component.resources}
    assert types == {
        "logs": "test:storage:SecureBucket",
        "logs-bucket": "aws:s3/bucketV2:BucketV2",
        "logs-versioning": "aws:s3/bucketVersioningV2:BucketVersioningV2",
        "key": "aws:kms/key:Key",
        "queue": "aws:sqs/queue:Queue",
        "db": "aws:rds/instance:Instance",
        "role": "aws:iam/role:Role",
        "role-policy": "aws:iam/rolePolicy:RolePolicy",
    }
    comp = by_name(component, "logs")
    bucket = by_name(component, "logs-bucket")
    assert comp.custom is False and bucket.custom is True
    assert bucket.parent == comp.urn
    assert bucket.urn == (
        "urn:pulumi:dev::component-app::test:storage:SecureBucket$aws:s3/bucketV2:BucketV2::logs-bucket"
    )
    assert comp.parent == "urn:pulumi:dev::component-app::pulumi:pulumi:Stack::component-app-dev"


def test_source_of_a_component_child_is_the_stack_program_line(component: StackGraph) -> None:
    main, storage = PROGRAMS / "component" / "__main__.py", PROGRAMS / "component" / "storage.py"
    instantiation = line_of(main, "logs = SecureBucket(")
    bucket = by_name(component, "logs-bucket")
    assert bucket.source is not None and bucket.source_inner is not None
    assert (bucket.source.file, bucket.source.line) == (f"{REL}/component/__main__.py", instantiation)
    assert (bucket.source_inner.file, bucket.source_inner.line) == (
        f"{REL}/component/storage.py",
        line_of(storage, "aws.s3.BucketV2("),
    )
    comp = by_name(component, "logs")
    assert comp.source is not None and comp.source.line == instantiation
    assert comp.source_inner is None  # the component's own __init__ is not "user code that created it"
    queue = by_name(component, "queue")
    assert queue.source is not None and queue.source.line == line_of(main, "queue = aws.sqs.Queue(")
    assert queue.source_inner is None


def test_inputs_options_and_property_dependencies(component: StackGraph) -> None:
    bucket = by_name(component, "logs-bucket")
    versioning = by_name(component, "logs-versioning")
    queue = by_name(component, "queue")
    key = by_name(component, "key")
    assert bucket.inputs == {"tags": {"cost-center": "42", "team": "platform"}}
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    assert versioning.inputs["bucket"] == bucket.id == bucket.outputs["bucket"]
    assert versioning.property_dependencies == {"bucket": [bucket.urn]}
    assert queue.property_dependencies == {"kmsMasterKeyId": [key.urn]}
    assert queue.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    assert queue.protect is True and key.protect is False
    assert bucket.urn in queue.depends_on and key.urn in queue.depends_on
    assert key.inputs == {"deletionWindowInDays": 7, "description": "data key", "enableKeyRotation": True}


def test_mock_outputs_are_plausible_and_use_the_configured_region(component: StackGraph) -> None:
    bucket = by_name(component, "logs-bucket")
    queue = by_name(component, "queue")
    key = by_name(component, "key")
    name = bucket.outputs["bucket"]
    assert name.startswith("logs-bucket-") and len(name) == len("logs-bucket-") + 7
    assert bucket.outputs["arn"] == f"arn:aws:s3:::{name}"
    assert bucket.outputs["bucketRegionalDomainName"] == f"{name}.s3.eu-west-1.amazonaws.com"
    assert key.outputs["arn"].startswith("arn:aws:kms:eu-west-1:123456789012:key/")
    assert queue.outputs["url"] == f"https://sqs.eu-west-1.amazonaws.com/123456789012/{queue.outputs['name']}"
    # An iam.get_policy_document invoke is rendered to real policy JSON.
    policy = by_name(component, "role-policy").inputs["policy"]
    assert '"Action": "sqs:SendMessage"' in policy and '"Resource": "*"' in policy


def test_stack_outputs_are_captured_with_secrets_masked(component: StackGraph) -> None:
    outputs = component.outputs
    assert outputs["password"] == SECRET
    assert outputs["replicas"] == 2
    assert outputs["bucket"] == by_name(component, "logs-bucket").outputs["bucket"]
    assert outputs["queue_url"] == by_name(component, "queue").outputs["url"]


def test_secret_config_never_appears_in_the_graph(component: StackGraph) -> None:
    text = component.model_dump_json()
    assert "ciphertextNeverShown" not in text
    assert "v1:Zm9v" not in text
    assert placeholder_for("component-app:dbPassword") not in text
    assert by_name(component, "db").inputs["password"] == SECRET
    assert by_name(component, "db").outputs["password"] == SECRET


def test_same_program_gives_identical_graphs(component: StackGraph) -> None:
    again = evaluate_project(PROGRAMS / "component", "dev", repo_root=REPO)
    assert again.model_dump_json() == component.model_dump_json()


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    write_program(tmp_path / "broken", "import pulumi\n\n\ndef broken(:\n    pass\n")
    graph = evaluate_project(tmp_path / "broken", "dev", repo_root=tmp_path)
    assert graph.resources == []
    assert graph.error is not None and graph.error.startswith("broken/__main__.py:4: SyntaxError")
    assert "\n" not in graph.error


def test_exception_in_program_names_file_line_and_message() -> None:
    graph = evaluate_project(PROGRAMS / "exception", "dev", repo_root=REPO)
    line = line_of(PROGRAMS / "exception" / "__main__.py", "raise ValueError")
    assert graph.error == f"{REL}/exception/__main__.py:{line}: ValueError: bad size 1"


def test_import_error_names_module() -> None:
    graph = evaluate_project(PROGRAMS / "import_error", "dev", repo_root=REPO)
    assert graph.error == (
        f"{REL}/import_error/__main__.py:1: ModuleNotFoundError: No module named 'no_such_module_for_tests'"
    )


def test_infinite_loop_times_out() -> None:
    started = time.monotonic()
    graph = evaluate_project(PROGRAMS / "infinite_loop", "dev", timeout=3, repo_root=REPO)
    assert graph.error == f"{REL}/infinite_loop: evaluation timed out after 3s"
    assert graph.project == "infinite-loop"
    assert time.monotonic() - started < 15


def test_missing_required_config_is_an_error_naming_the_key(tmp_path: Path) -> None:
    program = "import pulumi\n\nsize = pulumi.Config().require('size')\n"
    write_program(tmp_path / "needs", program, name="needs")
    graph = evaluate_project(tmp_path / "needs", "dev", repo_root=tmp_path)
    assert graph.error is not None
    assert graph.error.startswith("needs/__main__.py:3: ConfigMissingError")
    assert "needs:size" in graph.error


def test_program_with_zero_resources_and_main_elsewhere() -> None:
    graph = evaluate_project(PROGRAMS / "empty", "dev", repo_root=REPO)
    assert graph.error is None
    assert graph.resources == []
    assert graph.outputs == {"greeting": "hello"}


def test_bad_pulumi_yaml_is_an_error_not_an_exception(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "Pulumi.yaml").write_text("runtime: python\n")
    graph = evaluate_project(tmp_path / "bad", "dev", repo_root=tmp_path)
    assert graph.error == f"{tmp_path / 'bad' / 'Pulumi.yaml'}: missing project 'name'"


def test_stack_reference_resolves_to_producer_outputs_and_keeps_secrets() -> None:
    projects = [p for p in discover([PROGRAMS], "dev") if p.name in ("producer", "consumer")]
    producer, consumer = evaluate_many(projects, "dev", repo_root=REPO)
    assert (producer.project, consumer.project) == ("producer", "consumer")
    assert producer.error is None and consumer.error is None
    assert producer.outputs["api_token"] == SECRET
    table_arn = producer.outputs["table_arn"]
    assert table_arn.startswith("arn:aws:dynamodb:us-west-2:123456789012:table/orders-")
    policy = by_name(consumer, "read-orders")
    assert table_arn in policy.inputs["policy"]
    reference = "urn:pulumi:dev::consumer::pulumi:pulumi:Stack$pulumi:pulumi:StackReference::"
    assert policy.property_dependencies["policy"] == [reference + "organization/producer/dev"]
    assert by_name(consumer, "token").inputs["value"] == SECRET
    assert consumer.outputs == {"orders_table": producer.outputs["table_name"]}
    assert placeholder_for("producer:apiToken") not in consumer.model_dump_json()


def test_stack_reference_accepts_full_and_short_keys() -> None:
    outputs = {"table_arn": "arn:aws:dynamodb:us-west-2:123456789012:table/t", "table_name": "t"}
    for key in ("organization/producer/dev", "producer/dev", "producer"):
        graph = evaluate_project(PROGRAMS / "consumer", "dev", stack_outputs={key: outputs}, repo_root=REPO)
        assert graph.error is None, key
        assert graph.outputs == {"orders_table": "t"}


def test_unknown_stack_reference_is_an_error_naming_it() -> None:
    graph = evaluate_project(PROGRAMS / "consumer", "dev", stack_outputs={"other/dev": {}}, repo_root=REPO)
    assert graph.error is not None
    assert "organization/producer/dev" in graph.error


def test_failed_dependency_fails_its_dependents_without_running_them(tmp_path: Path) -> None:
    write_program(tmp_path / "base", "raise RuntimeError('base is broken')\n", name="base")
    write_program(
        tmp_path / "app",
        "import pulumi\n\nref = pulumi.StackReference(pulumi.Config().require('baseStack'))\n",
        name="app",
        config="config:\n  app:baseStack: organization/base/dev\n",
    )
    write_program(tmp_path / "solo", "import pulumi\n\npulumi.export('ok', True)\n", name="solo")
    projects = discover([tmp_path], "dev")
    assert [(p.name, p.depends_on) for p in projects] == [("app", ["base"]), ("base", []), ("solo", [])]
    seen: list[str] = []
    graphs = evaluate_many(
        projects, "dev", jobs=2, repo_root=tmp_path, on_done=lambda g: seen.append(g.project)
    )
    by_project = {g.project: g for g in graphs}
    assert [g.project for g in graphs] == ["base", "app", "solo"]
    assert by_project["base"].error == "base/__main__.py:1: RuntimeError: base is broken"
    assert by_project["app"].error == "dependency base failed to evaluate"
    assert by_project["solo"].error is None and by_project["solo"].outputs == {"ok": True}
    assert sorted(seen) == ["app", "base", "solo"]


def test_config_values_spell_values_like_pulumi_and_hide_secure_ones() -> None:
    values, secret_keys, placeholders = config_values(
        {
            "p:name": "api",
            "p:count": 3,
            "p:enabled": True,
            "p:tags": {"team": "a"},
            "p:zones": ["a", "b"],
            "p:password": {"secure": "v1:cipher"},
            "p:nested": {"user": "u", "pass": {"secure": "v1:other"}},
        }
    )
    assert values["p:name"] == "api"
    assert values["p:count"] == "3"
    assert values["p:enabled"] == "true"
    assert values["p:tags"] == '{"team": "a"}'
    assert values["p:zones"] == '["a", "b"]'
    assert values["p:password"] == placeholder_for("p:password")
    assert "v1:" not in "".join(values.values())
    assert secret_keys == ["p:nested", "p:password"]
    assert placeholders == sorted([placeholder_for("p:password"), placeholder_for("p:nested")])


def test_project_model_used_directly(tmp_path: Path) -> None:
    write_program(tmp_path / "one", "import pulumi\n\npulumi.export('n', 1)\n", name="one")
    [graph] = evaluate_many([Project(name="one", path=tmp_path / "one")], "dev", repo_root=tmp_path)
    assert (graph.project, graph.path, graph.outputs, graph.error) == ("one", "one", {"n": 1}, None)


def test_stack_and_resource_transforms_apply_and_apply_callbacks_register() -> None:
    graph = evaluate_project(PROGRAMS / "transforms", "dev", repo_root=REPO)
    main = PROGRAMS / "transforms" / "__main__.py"
    assert graph.error is None
    assert by_name(graph, "before-transform").inputs == {"tags": {"team": "a"}}  # registered earlier
    tagged = by_name(graph, "tagged")
    assert tagged.inputs == {"forceDestroy": False, "tags": {"owner": "platform", "team": "a"}}
    assert tagged.outputs["tags"] == {"owner": "platform", "team": "a"}
    topic = by_name(graph, "from-apply")
    assert topic.inputs["displayName"] == by_name(graph, "queue").outputs["arn"]
    assert topic.source is not None and topic.source.line == line_of(main, "queue.arn.apply(")
    assert [r.name for r in graph.resources] == ["before-transform", "tagged", "queue", "from-apply"]


def test_bootstrap_imports_only_the_stdlib_and_the_sdk_and_shares_the_monitor_headers() -> None:
    import subprocess
    import sys

    from compliance.evaluation import launcher, monitor

    probe = (
        "import runpy, sys; ns = runpy.run_path(sys.argv[1], run_name='probe'); "
        "ns['_load_positions'](); ns['string_outputs'](None); "
        "gate = ('compliance', 'pydantic', 'yaml', 'git'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in gate)); "
        "print(ns['DECLARED_HEADER'], ns['ERROR_HEADER'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(launcher.BOOTSTRAP)], capture_output=True, text=True, check=True
    )
    modules, headers = result.stdout.splitlines()
    assert modules == "[]"
    assert headers.split() == [monitor.DECLARED_HEADER, monitor.ERROR_HEADER]


def test_reads_invokes_providers_and_runtime_information() -> None:
    graph = evaluate_project(PROGRAMS / "reads", "dev", repo_root=REPO)
    assert graph.error is None
    assert [r.name for r in graph.resources] == ["named", "existing-policy", "west", "regional"]  # no read
    assert by_name(graph, "named").inputs == {
        "bucket": "reads-dev-123456789012",
        "tags": {"org": "organization", "preview": "True"},
    }
    policy = by_name(graph, "existing-policy")
    existing = "urn:pulumi:dev::reads::pulumi:pulumi:Stack$aws:s3/bucket:Bucket::existing"
    assert policy.inputs == {
        "bucket": "my-existing-bucket",
        "policy": '{"Resource": "arn:aws:s3:::my-existing-bucket/*"}',
    }
    assert policy.property_dependencies == {"bucket": [existing], "policy": [existing]}
    west = by_name(graph, "west")
    assert west.type == "pulumi:providers:aws" and west.inputs["region"] == "us-west-2"
    regional = by_name(graph, "regional")
    assert regional.provider == f"{west.urn}::{west.id}"
    assert regional.inputs == {"name": "queue-us-west-2"}  # get_region with the explicit provider
    assert regional.outputs["arn"] == "arn:aws:sqs:us-west-2:123456789012:queue-us-west-2"
    assert graph.outputs == {"zones": ["us-east-1a", "us-east-1b", "us-east-1c"], "literal_secret": SECRET}
    assert "literal-secret-value" not in graph.model_dump_json()


def test_independent_projects_run_concurrently(tmp_path: Path) -> None:
    # Each program waits (up to 60 s) for the other to start: only concurrent evaluation finishes fast.
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    program = (
        "import pathlib, time\n"
        "import pulumi\n\n"
        "here = pathlib.Path(pulumi.Config().require('dir'))\n"
        "(here / pulumi.get_project()).touch()\n"
        "deadline = time.monotonic() + 60\n"
        "while len(list(here.iterdir())) < 2 and time.monotonic() < deadline:\n"
        "    time.sleep(0.05)\n"
        "pulumi.export('met', len(list(here.iterdir())) == 2)\n"
    )
    for name in ("left", "right"):
        write_program(tmp_path / name, program, name=name, config=f"config:\n  {name}:dir: {rendezvous}\n")
    projects = [Project(name=n, path=tmp_path / n) for n in ("left", "right")]
    # Unconfined: under bubblewrap the two programs could not see each other's files.
    graphs = evaluate_many(projects, "dev", jobs=2, timeout=90, repo_root=tmp_path, sandbox="off")
    assert [(g.project, g.error, g.outputs) for g in graphs] == [
        ("left", None, {"met": True}),
        ("right", None, {"met": True}),
    ]


def test_assets_are_repo_relative_with_content_hash_and_leaked_placeholders_masked(tmp_path: Path) -> None:
    import hashlib

    program = (
        "import pulumi\n"
        "import pulumi_aws as aws\n\n"
        "token = pulumi.Config().get('token')  # plain read of a secure key: a leak\n"
        "aws.lambda_.Function(\n"
        "    'fn',\n"
        "    role='arn:aws:iam::123456789012:role/r',\n"
        "    runtime='python3.12',\n"
        "    handler='handler.main',\n"
        "    code=pulumi.AssetArchive({'handler.py': pulumi.FileAsset('src/handler.py')}),\n"
        "    environment={'variables': {'AUTH': f'Bearer {token}'}},\n"
        ")\n"
    )
    project = write_program(
        tmp_path / "stacks" / "fn",
        program,
        name="fn",
        config="config:\n  fn:token:\n    secure: v1:c2VjcmV0:AAAAtokenCipher==\n",
    )
    (project / "src").mkdir()
    (project / "src" / "handler.py").write_text("def main(event, context):\n    return 1\n")
    graph = evaluate_project(project, "dev", repo_root=tmp_path)
    assert graph.error is None
    function = by_name(graph, "fn")
    digest = hashlib.sha256((project / "src" / "handler.py").read_bytes()).hexdigest()
    assert function.inputs["code"] == {
        "assets": {"handler.py": {"path": "stacks/fn/src/handler.py", "hash": digest}}
    }
    assert function.inputs["environment"] == {"variables": {"AUTH": SECRET}}
    text = graph.model_dump_json()
    assert placeholder_for("fn:token") not in text and "tokenCipher" not in text


def test_exception_inside_apply_names_the_callback_line(tmp_path: Path) -> None:
    program = (
        "import pulumi\n"
        "import pulumi_aws as aws\n\n"
        "queue = aws.sqs.Queue('q')\n"
        "queue.arn.apply(lambda arn: arn.split(':')[99])\n"
    )
    write_program(tmp_path / "bad_apply", program, name="bad-apply")
    graph = evaluate_project(tmp_path / "bad_apply", "dev", repo_root=tmp_path)
    assert graph.error == "bad_apply/__main__.py:5: IndexError: list index out of range"


def test_project_level_config_defaults_reach_the_program(tmp_path: Path) -> None:
    directory = write_program(
        tmp_path / "defaults",
        "import pulumi\n\nc = pulumi.Config()\n"
        "pulumi.export('v', [c.require('tier'), c.require_int('size')])\n",
        name="defaults",
        config="config:\n  defaults:size: 5\n",
    )
    with (directory / "Pulumi.yaml").open("a") as handle:
        handle.write("config:\n  tier:\n    type: string\n    default: small\n  size: 1\n")
    graph = evaluate_project(directory, "dev", repo_root=tmp_path)
    assert (graph.error, graph.outputs) == (None, {"v": ["small", 5]})
