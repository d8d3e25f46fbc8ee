"""deploy/kubernetes/ validated against the Kubernetes schemas bundled with kubernetes-validate
(offline: no cluster, no network), plus the properties docs/agent.md promises."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate")

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"


def load(name: str) -> dict[str, Any]:
    docs = [d for d in yaml.safe_load_all((DEPLOY / name).read_text()) if d]
    assert len(docs) == 1, name
    return docs[0]


def manifests() -> list[str]:
    return sorted(p.name for p in DEPLOY.glob("*.yaml") if p.name != "kustomization.yaml")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation must work offline: any connection attempt fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("kubernetes-validate tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("name", manifests())
def test_manifest_is_valid_against_the_schemas(name: str) -> None:
    version = kubernetes_validate.latest_version()
    kubernetes_validate.validate(load(name), version, strict=True)


def test_a_broken_manifest_is_caught() -> None:
    broken = load("deployment.yaml")
    broken["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)
    typo = load("service.yaml")
    typo["spec"]["portz"] = typo["spec"].pop("ports")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, kubernetes_validate.latest_version(), strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == [n for n in manifests() if n != "secret.template.yaml"]


def test_deployment_is_hardened_and_probed() -> None:
    deployment = load("deployment.yaml")
    spec = deployment["spec"]
    assert spec["replicas"] == 3
    pod = spec["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
    [container] = pod["containers"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert {"requests", "limits"} <= set(container["resources"])
    assert all(k in container["resources"]["limits"] for k in ("cpu", "memory"))
    port = container["ports"][0]
    listen = next(a for a in container["args"] if a.startswith("--listen="))
    assert listen.endswith(f":{port['containerPort']}")
    state = next(a for a in container["args"] if a.startswith("--state-dir="))
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert state.removeprefix("--state-dir=") in mounts and "/tmp" in mounts
    assert all("emptyDir" in volumes[name] for name in mounts.values())
    secret_keys = set(load("secret.template.yaml")["stringData"])
    used = {e["valueFrom"]["secretKeyRef"]["key"] for e in container["env"] if "valueFrom" in e}
    assert used == secret_keys == {"journal-url", "webhook-secret", "github-token", "pulumi-passphrase"}
    names = {e["name"] for e in container["env"]}
    assert {
        "GITOPS_JOURNAL_URL",
        "GITOPS_WEBHOOK_SECRET",
        "GITOPS_GITHUB_TOKEN",
        "PULUMI_CONFIG_PASSPHRASE",
    } <= names


def test_service_targets_the_agent_port() -> None:
    service = load("service.yaml")
    deployment = load("deployment.yaml")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in service["spec"]["selector"].items())
    assert (
        service["spec"]["ports"][0]["targetPort"]
        == deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["name"]
    )
