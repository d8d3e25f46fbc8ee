"""Per-stack settings read once from Pulumi config: environment, ownership tags, log retention."""

from __future__ import annotations

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError

# CloudWatch Logs accepts only these retention values (days).
VALID_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)
PROD_ENVIRONMENTS = frozenset({"prod", "production"})


class PlatformSettings(BaseModel):
    """What every component needs to know about the stack it is deployed in."""

    model_config = ConfigDict(frozen=True)

    project: str
    environment: str
    owner: str = Field(min_length=1)
    cost_center: str = Field(min_length=1)
    data_classification: str = Field(min_length=1)
    log_retention_days: int

    @property
    def is_prod(self) -> bool:
        """True for production stacks (deletion protection, long retention)."""
        return self.environment in PROD_ENVIRONMENTS

    def resource_name(self, name: str) -> str:
        """A physical name unique per project and environment, e.g. `serverless-dev-orders-api`."""
        return f"{self.project}-{self.environment}-{name}"

    def tags(self) -> dict[str, str]:
        """The mandatory tag set carried by every taggable resource."""
        return {
            "owner": self.owner,
            "cost-center": self.cost_center,
            "data-classification": self.data_classification,
            "environment": self.environment,
            "project": self.project,
        }


def default_retention_days(environment: str) -> int:
    """365 days of logs in production, 30 elsewhere."""
    return 365 if environment in PROD_ENVIRONMENTS else 30


def load_settings(config: pulumi.Config | None = None) -> PlatformSettings:
    """Read the project's config (`owner`, `costCenter`, `dataClassification`, optional `environment`
    and `logRetentionDays`); raise a one-line RunError naming the stack when it is invalid."""
    config = config or pulumi.Config()
    project, stack = pulumi.get_project(), pulumi.get_stack()
    environment = config.get("environment") or stack
    where = f"stack {project}/{stack}"
    try:
        retention = config.get_int("logRetentionDays")
        settings = PlatformSettings(
            project=project,
            environment=environment,
            owner=config.require("owner"),
            cost_center=config.require("costCenter"),
            data_classification=config.require("dataClassification"),
            log_retention_days=retention if retention is not None else default_retention_days(environment),
        )
    except pulumi.ConfigMissingError as exc:
        raise pulumi.RunError(f"{where}: missing config {exc.key}") from None
    except pulumi.ConfigTypeError as exc:
        raise pulumi.RunError(f"{where}: config {exc.key} must be {exc.expect_type}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise pulumi.RunError(f"{where}: config {first['loc'][0]}: {first['msg']}") from None
    if settings.log_retention_days not in VALID_RETENTION_DAYS:
        raise pulumi.RunError(
            f"{where}: config logRetentionDays={settings.log_retention_days} is not a CloudWatch value"
        )
    return settings
