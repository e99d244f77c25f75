"""Typed loader for ``config/analytics.yml``: validated at the edge (unknown keys
rejected), handed inside as frozen pydantic models."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from crm_core.errors import InvalidInput

ANALYTICS_FILE = "analytics.yml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SegmentRule(_Strict):
    """A named RFM segment: inclusive score ranges; ``m`` is optional."""

    name: str = Field(min_length=1, max_length=32)
    r: tuple[int, int] = (1, 5)
    f: tuple[int, int] = (1, 5)
    m: tuple[int, int] = (1, 5)

    @model_validator(mode="after")
    def _ranges(self) -> SegmentRule:
        for axis in ("r", "f", "m"):
            lo, hi = getattr(self, axis)
            if not 1 <= lo <= hi <= 5:
                raise ValueError(f"segment {self.name}: {axis} range must be within 1..5, "
                                 f"low <= high")
        return self

    def matches(self, r: int, f: int, m: int) -> bool:
        """True when the scores fall in all three ranges."""
        return (self.r[0] <= r <= self.r[1] and self.f[0] <= f <= self.f[1]
                and self.m[0] <= m <= self.m[1])


class RfmConfig(_Strict):
    """RFM scoring and segment rules."""

    excluded_statuses: tuple[str, ...] = ("cancelled", "returned")
    segments: tuple[SegmentRule, ...]


class ChurnConfig(_Strict):
    """Churn label horizon and feature settings."""

    horizon_days: int = Field(default=90, gt=0)
    trend_window_days: int = Field(default=90, gt=0)
    negative_sentiment_below: float = Field(default=-0.3, ge=-1, le=1)
    reasons_per_customer: int = Field(default=3, ge=0, le=10)
    reasons_min_risk: float = Field(default=0.5, ge=0, le=1)
    max_train_customers: int = Field(default=200_000, ge=100)


class ClvConfig(_Strict):
    """Lifetime value horizon and evaluation split."""

    horizon_days: int = Field(default=365, gt=0)
    eval_holdout_days: int = Field(default=180, gt=0)
    penalizer: float = Field(default=0.001, ge=0)


class SegmentationConfig(_Strict):
    """k-means range and silhouette sample."""

    k_min: int = Field(default=2, ge=2)
    k_max: int = Field(default=8, ge=2)
    silhouette_sample: int = Field(default=3000, ge=100)
    seed: int = 7


class ServiceConfig(_Strict):
    """Service report settings."""

    satisfied_at_least: int = Field(default=4, ge=1, le=5)


class AnalyticsConfig(_Strict):
    """The schema of ``analytics.yml``."""

    rfm: RfmConfig
    churn: ChurnConfig = ChurnConfig()
    clv: ClvConfig = ClvConfig()
    segmentation: SegmentationConfig = SegmentationConfig()
    service: ServiceConfig = ServiceConfig()


def parse_config(data: object) -> AnalyticsConfig:
    """Validate a parsed YAML document; ``InvalidInput`` listing what is wrong."""
    try:
        return AnalyticsConfig.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"invalid analytics config: {exc.error_count()} error(s)",
                           details={"errors": [f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                               for e in exc.errors()]}) from exc


def load_config(config_dir: Path) -> AnalyticsConfig:
    """Read and validate ``config_dir/analytics.yml``."""
    path = Path(config_dir) / ANALYTICS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInput(f"analytics config not found: {path}",
                           details={"path": str(path)}) from exc
    except yaml.YAMLError as exc:
        raise InvalidInput(f"analytics config is not valid YAML: {path}: {exc}",
                           details={"path": str(path)}) from exc
    return parse_config(data)
