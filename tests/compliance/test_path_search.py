"""compliance.path_search gives exactly dpath's answers (values, shapes, order, errors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compliance import path_search
from compliance.scan import _LOCK, preload
from tests.fidelity.plans import plan_files

ORIGINAL_SEARCH = path_search._ORIGINAL_SEARCH
ORIGINAL_GET = path_search._ORIGINAL_GET


DOCUMENTS: list[Any] = [
    {
        "bucket": ["logs"],
        "versioning": [{"enabled": [True], "mfa_delete": [False]}],
        "server_side_encryption_configuration": [
            {"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": ["aws:kms"]}]}]}
        ],
        "tags": [{"team": "data", "0": "zero", "a*b": "star", "[x]": "brackets"}],
        "ingress": [
            {"cidr_blocks": [["0.0.0.0/0"]], "from_port": [22], "to_port": [22]},
            {"cidr_blocks": [["10.0.0.0/8"]], "from_port": [443], "to_port": [443]},
        ],
        "enabled": [None],
        "nested": [[[1, 2, {"deep": ["x"]}]]],
        "count": [0],
    },
    {"a": {"b": {"c": 1}}, "x": [{"y": 1}, {"y": 2}, {"z": 3}], "1": ["one"], "": "empty key"},
    {"only": {"": {"hidden": True}}},
    [{"name": ["first"]}, {"name": ["second"]}],
    {},
    {"s": "leaf", "n": 3, "b": b"bytes", "f": 1.5},
]

GLOBS = [
    "bucket",
    "versioning/[0]/enabled",
    "versioning/0/enabled",
    "versioning/*/enabled",
    "versioning/[0]/enabled/[0]",
    "versioning/-1/mfa_delete",
    "server_side_encryption_configuration/[0]/rule/[0]/apply_server_side_encryption_by_default/[0]/sse_algorithm",
    "tags/[0]/team",
    "tags/*/0",
    "tags/0/a*b",
    "tags/0/[[]x]",
    "ingress/*/cidr_blocks",
    "ingress/*/cidr_blocks/*/*",
    "ingress/[1]/from_port",
    "ingress/?/to_port",
    "enabled",
    "enabled/0",
    "nested/0/0/2/deep",
    "nested/*/*/*",
    "missing",
    "bucket/0/deeper/still",
    "a/b/c",
    "a/*",
    "x/*/y",
    "x/-1/z",
    "1",
    "/a/b",
    "a/b/",
    "*",
    "*/name",
    "0/name",
    "**/enabled",
    "**",
    "/",
    "",
    ["a", "b"],
    ("tags", "0", "team"),
    ["x", "*", "y"],
]


def globs_for(document: Any) -> list[Any]:
    """GLOBS, and for every path in the document: the path, and the path with each segment in turn
    a `*` (and a `[n]` for a list index)."""
    from dpath import segments

    found: list[Any] = list(GLOBS)
    try:
        paths = [path for path, _ in segments.walk(document)]
    except Exception:  # an empty key: dpath raises, and so must we (GLOBS cover that)
        return found
    for path in paths:
        parts = [str(int(p)) if isinstance(p, int) else p for p in path]
        found.append("/".join(parts))
        for i, part in enumerate(path):
            found.append("/".join([*parts[:i], "*", *parts[i + 1 :]]))
            if isinstance(part, int):
                found.append("/".join([*parts[:i], f"[{int(part)}]", *parts[i + 1 :]]))
    return found


def _answer(function: Any, *args: Any, **kwargs: Any) -> Any:
    """A call's result, or its exception's type and message (both must match)."""
    try:
        result = function(*args, **kwargs)
        return list(result) if hasattr(result, "__next__") else result
    except Exception as exc:
        return (type(exc).__name__, str(exc))


def _same(mine: Any, theirs: Any, *args: Any, **kwargs: Any) -> bool:
    return bool(_answer(mine, *args, **kwargs) == _answer(theirs, *args, **kwargs))


def only_22(value: Any) -> bool:
    return bool(value == [22])


@pytest.mark.parametrize("allow_empty_keys", [False, True], ids=["dpath-default", "as-checkov-sets-it"])
@pytest.mark.parametrize("document", DOCUMENTS, ids=range(len(DOCUMENTS)))
def test_search_and_get_answer_as_dpath_does(
    document: Any, allow_empty_keys: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dpath import options

    monkeypatch.setattr(options, "ALLOW_EMPTY_STRING_KEYS", allow_empty_keys)
    compared = 0
    globs = globs_for(document)
    for glob in globs:
        for yielded in (False, True):
            for dirs in (True, False):
                assert _same(path_search.search, ORIGINAL_SEARCH, document, glob, yielded, dirs=dirs), (
                    glob,
                    yielded,
                )
                compared += 1
        assert _same(path_search.get, ORIGINAL_GET, document, glob), glob
        assert _same(path_search.get, ORIGINAL_GET, document, glob, default="d"), glob
        assert _same(path_search.search, ORIGINAL_SEARCH, document, glob, afilter=only_22), glob
    assert compared == 4 * len(globs)


def test_the_order_of_yielded_matches_is_dpaths() -> None:
    document = {"x": [{"y": i, "z": {"y": -i}} for i in range(5)], "y": [0]}
    for glob in ("x/*/y", "x/*/*", "*/*/y", "*"):
        assert list(path_search.search(document, glob, yielded=True)) == list(
            ORIGINAL_SEARCH(document, glob, yielded=True)
        )


def test_a_document_with_an_empty_key_raises_as_dpath_does_even_where_the_glob_does_not_reach(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dpath import options

    monkeypatch.setattr(options, "ALLOW_EMPTY_STRING_KEYS", False)  # dpath's default; Checkov allows them
    document = {"a": [1], "unrelated": {"": "x"}}
    mine, theirs = (
        _answer(lambda: path_search.search(document, "a")),
        _answer(lambda: ORIGINAL_SEARCH(document, "a")),
    )
    assert mine == theirs and mine[0] == "InvalidKeyName"


def _records(files: list[str]) -> list[tuple[str, str, str, str]]:
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.plan_runner import Runner

    runner_filter = RunnerFilter(framework=["terraform_plan"], download_external_modules=False)
    with _LOCK:
        report = Runner().run(root_folder=None, files=files, runner_filter=runner_filter)
    return sorted(
        (r.check_id, r.resource, r.check_result["result"].name, str(r.check_result.get("evaluated_keys")))
        for r in report.passed_checks + report.failed_checks + report.skipped_checks
    )


def test_checkov_gives_the_same_records_on_real_plans_with_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dpath

    preload()  # installs path_search
    assert dpath.search is path_search.search and dpath.get is path_search.get
    files = plan_files(("s3", "network", "rds", "iam", "lambda_fn", "cdn"), tmp_path)
    fast = _records(files)
    monkeypatch.setattr(dpath, "search", ORIGINAL_SEARCH)
    monkeypatch.setattr(dpath, "get", ORIGINAL_GET)
    assert _records(files) == fast
    assert len(fast) > 150 and {r[2] for r in fast} >= {"PASSED", "FAILED"}
