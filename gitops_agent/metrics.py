"""Prometheus metrics of one agent (own registry, so several agents can live in one process)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


@dataclass
class AgentMetrics:
    """The agent's metric families, registered in `registry`."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.reconciles = Counter("gitops_reconciles", "Stack reconciles by result", ["result"], registry=r)
        self.duration = Histogram(
            "gitops_reconcile_duration_seconds", "Duration of one reconcile cycle", registry=r
        )
        self.last_applied = Gauge(
            "gitops_last_applied_timestamp_seconds", "Unix time of the last apply", ["stack"], registry=r
        )
        self.drifted = Gauge("gitops_drifted_stacks", "Stacks currently drifted", registry=r)
        self.policy_failures = Counter(
            "gitops_policy_failures", "Stacks blocked by the compliance gate", ["stack"], registry=r
        )
        self.reports = Counter("gitops_reports", "Outcome reports delivered", ["kind"], registry=r)
        self.report_failures = Counter(
            "gitops_report_failures", "Outcome reports given up after retries", ["kind"], registry=r
        )

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
