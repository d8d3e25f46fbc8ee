"""The CloudFront Functions' JavaScript, executed with node (skipped when node is absent)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from platform_components.cdn import API_PREFIX_STRIP_CODE, INDEX_REWRITE_CODE

NODE = shutil.which("node")


def run_viewer_request(code: str, uris: list[str]) -> list[str]:
    script = (
        code
        + f"\nconsole.log(JSON.stringify({json.dumps(uris)}.map(u => handler({{request: {{uri: u}}}}).uri)));"
    )
    result = subprocess.run(
        [NODE or "node", "-e", script], capture_output=True, text=True, timeout=30, check=True
    )
    return list(json.loads(result.stdout))


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_index_rewrite_maps_directory_urls_to_index_html():
    uris = ["/", "/docs/", "/about", "/app.js", "/img/logo.png"]
    assert run_viewer_request(INDEX_REWRITE_CODE, uris) == [
        "/index.html",
        "/docs/index.html",
        "/about/index.html",
        "/app.js",
        "/img/logo.png",
    ]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_api_prefix_strip_maps_api_paths_to_the_http_api_routes():
    uris = ["/api/orders", "/api/orders/123", "/api", "/apiary/x"]
    assert run_viewer_request(API_PREFIX_STRIP_CODE, uris) == ["/orders", "/orders/123", "/", "/apiary/x"]
