"""Typed loader for ``config/policies.yml``: validated at the edge (pydantic, unknown keys
rejected), handed inside as the frozen ``domain.SlaPolicy``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crm_core.domain.enums import CustomerTier, Priority
from crm_core.domain.policy import SlaPolicy, SlaTargets
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
    )


def load_policy(config_dir: Path | str) -> SlaPolicy:
    """Load ``<config_dir>/policies.yml``."""
    path = Path(config_dir) / POLICY_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", details={"source": str(path)}) from exc
    return parse_policy(data, str(path))
