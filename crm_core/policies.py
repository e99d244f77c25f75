"""Typed loader for ``config/policies.yml``: validated at the edge (pydantic, unknown keys
rejected), handed inside as the frozen ``domain.SlaPolicy`` (with its ``DeliveryPolicy``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from crm_core.countries import is_known
from crm_core.domain.enums import CustomerTier, Priority
from crm_core.domain.policy import DeliveryPolicy, SlaPolicy, SlaTargets
from crm_core.errors import InvalidInput

POLICY_FILE = "policies.yml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Targets(_Strict):
    first_response_minutes: int = Field(gt=0)
    resolution_minutes: int = Field(gt=0)


class _Sla(_Strict):
    default_priority: Priority
    priorities: dict[Priority, _Targets]
    category_priority: dict[str, Priority] = {}
    tier_boost: dict[CustomerTier, int] = {}


class _Orders(_Strict):
    return_window_days: int = Field(ge=0)
    # Delivery estimates: both keys or neither (then orders get no estimate).
    dispatch_business_days: int | None = Field(default=None, ge=0, le=60)
    transit_business_days: dict[str, tuple[int, int]] | None = None

    @field_validator("transit_business_days")
    @classmethod
    def _ranges(cls, value: dict[str, tuple[int, int]] | None
                ) -> dict[str, tuple[int, int]] | None:
        if value is None:
            return None
        if "default" not in value:
            raise ValueError("transit_business_days needs a 'default' range")
        for key, (low, high) in value.items():
            if key != "default" and not (key.isupper() and is_known(key)):
                raise ValueError(f"transit_business_days: {key!r} is not an ISO alpha-2 "
                                 "country code (or 'default')")
            if not 0 <= low <= high <= 120:
                raise ValueError(f"transit_business_days.{key}: need 0 <= fewest <= most "
                                 f"<= 120, got [{low}, {high}]")
        return value

    @model_validator(mode="after")
    def _both_or_neither(self) -> _Orders:
        if (self.dispatch_business_days is None) != (self.transit_business_days is None):
            raise ValueError("set both dispatch_business_days and transit_business_days, "
                             "or neither")
        return self

    def delivery(self) -> DeliveryPolicy | None:
        """The delivery policy, if the file sets one."""
        if self.dispatch_business_days is None or self.transit_business_days is None:
            return None
        return DeliveryPolicy(self.dispatch_business_days, dict(self.transit_business_days))


class PolicyFile(_Strict):
    """The schema of ``policies.yml``."""

    version: int = 1
    sla: _Sla
    orders: _Orders


def parse_policy(data: object, source: str = "policies") -> SlaPolicy:
    """Validate a parsed policy mapping; every priority must have targets."""
    try:
        model = PolicyFile.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"invalid {source}: {exc}", details={"source": source}) from exc
    missing = [p.value for p in Priority if p not in model.sla.priorities]
    if missing:
        raise InvalidInput(f"invalid {source}: no SLA targets for {missing}",
                           details={"source": source, "missing": missing})
    return SlaPolicy(
        targets={
            p: SlaTargets(timedelta(minutes=t.first_response_minutes),
                          timedelta(minutes=t.resolution_minutes))
            for p, t in model.sla.priorities.items()
        },
        default_priority=model.sla.default_priority,
        return_window_days=model.orders.return_window_days,
        category_priority=dict(model.sla.category_priority),
        tier_boost=dict(model.sla.tier_boost),
        delivery=model.orders.delivery(),
    )


def load_policy(config_dir: Path | str) -> SlaPolicy:
    """Load ``<config_dir>/policies.yml``."""
    path = Path(config_dir) / POLICY_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", details={"source": str(path)}) from exc
    return parse_policy(data, str(path))
