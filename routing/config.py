"""The routing policy's settings, validated once from ``config/routing.yml``.

Validated models at the edge (unknown keys rejected), a frozen ``RoutingConfig`` inside.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crm_core.errors import InvalidInput
from routing.model import Task

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config" / "routing.yml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PriorityWeights(_Strict):
    """Weights of the priority score; see config/routing.yml for their meaning."""

    tier: dict[str, float] = Field(
        default_factory=lambda: {"standard": 0, "silver": 6, "gold": 15, "vip": 60})
    negative_sentiment: float = 100.0
    aging_per_minute: float = 2.0
    sla: float = 20.0
    sla_warning_seconds: float = Field(default=120.0, gt=0)
    channel: dict[str, float] = Field(
        default_factory=lambda: {"voice": 15, "chat": 0, "email": -20})
    customer_value: float = 20.0


class MatchingRules(_Strict):
    """Skills requirements, how they relax with the wait, and whether agents who speak
    fewer other languages are preferred (keeping scarce language skills free)."""

    relax_topic_level: tuple[tuple[float, int], ...] = ((0, 2), (60, 1), (180, 0))
    relax_language_seconds: float | None = None
    prefer_fewer_languages: bool = True

    @field_validator("relax_topic_level")
    @classmethod
    def _sorted(cls, steps: tuple[tuple[float, int], ...]) -> tuple[tuple[float, int], ...]:
        return _check_steps(steps)


def _check_steps(steps: tuple[tuple[float, int], ...]) -> tuple[tuple[float, int], ...]:
    if not steps or steps[0][0] != 0:
        raise ValueError("relax_topic_level must start at 0 seconds")
    if list(steps) != sorted(steps):
        raise ValueError("relax_topic_level steps must be in increasing wait order")
    return steps


class PriorityWork(_Strict):
    """Which customers the ``kefu`` policy treats as priority work, and what they get on top
    of a high score: a shorter reservation (a missed offer comes back sooner), slots held
    back from regular work, and sooner-relaxed topic requirements. FIFO ignores this."""

    tiers: frozenset[str] = frozenset({"vip"})
    sentiment_at_most: float | None = Field(default=-0.5, ge=-1, le=1)
    offer_timeout_seconds: float | None = Field(default=15.0, gt=0)
    reserved_slots: dict[str, int] = Field(default_factory=lambda: {"chat": 1})
    reserve_yields_after_seconds: float | None = Field(default=180.0, ge=0)
    relax_topic_level: tuple[tuple[float, int], ...] | None = ((0, 2), (5, 1), (30, 0))

    @field_validator("reserved_slots")
    @classmethod
    def _known_kinds(cls, slots: dict[str, int]) -> dict[str, int]:
        unknown = set(slots) - {"chat", "voice", "email"}
        if unknown:
            raise ValueError(f"reserved_slots: unknown channel kinds {sorted(unknown)}")
        if any(v < 0 for v in slots.values()):
            raise ValueError("reserved_slots must not be negative")
        return slots

    @field_validator("relax_topic_level")
    @classmethod
    def _sorted(cls, steps: tuple[tuple[float, int], ...] | None
                ) -> tuple[tuple[float, int], ...] | None:
        return None if steps is None else _check_steps(steps)


class OfferBackoff(_Strict):
    """How long an agent who declined an offer gets no new one: ``base_seconds``
    after the first refusal in a row, doubling with each further one up to
    ``max_seconds``; an accepted offer starts the count again. 0 turns it off."""

    base_seconds: float = Field(default=2.0, ge=0)
    max_seconds: float = Field(default=60.0, ge=0)

    def pause_after(self, refusals: int) -> float:
        """Seconds without offers after ``refusals`` refusals in a row."""
        if refusals <= 0 or self.base_seconds <= 0:
            return 0.0
        return min(self.max_seconds, self.base_seconds * 2.0 ** min(refusals - 1, 30))


class RoutingConfig(_Strict):
    """Everything the router and the simulator need to know about the policy."""

    policy: Literal["kefu", "fifo"] = "kefu"
    selection: Literal["longest_idle", "least_busy"] = "longest_idle"
    priority: PriorityWeights = PriorityWeights()
    matching: MatchingRules = MatchingRules()
    priority_work: PriorityWork = PriorityWork()
    offer_timeout_seconds: float = Field(default=30.0, gt=0)
    offer_backoff: OfferBackoff = OfferBackoff()
    first_response_seconds: dict[str, float] = Field(
        default_factory=lambda: {"standard": 300, "silver": 240, "gold": 180, "vip": 60})
    average_handle_seconds: dict[str, float] = Field(
        default_factory=lambda: {"chat": 420, "voice": 300, "email": 900})
    service_level_seconds: float = Field(default=60.0, gt=0)
    # The team's skill names (agents' CRM skills use them); every topic must be one, so a
    # typo ("products" for "product") fails at start instead of matching nobody.
    skills: tuple[str, ...] = ()
    intent_topics: dict[str, str] = Field(default_factory=dict)
    negative_handoff_sentiment: float = Field(default=-0.7, ge=-1, le=1)
    when_no_agents: Literal["ticket", "queue"] = "ticket"
    # A chat customer with no message and no open chat socket for this long has left: they
    # are not offered to agents (the handoff ticket carries on by email) until they are
    # back. null: never.
    customer_gone_seconds: float | None = Field(default=300.0, gt=0)

    @model_validator(mode="after")
    def _topics_are_skills(self) -> RoutingConfig:
        if self.skills:
            unknown = sorted({t for t in self.intent_topics.values() if t not in self.skills})
            if unknown:
                raise ValueError(f"intent_topics name skills not in 'skills': {unknown} "
                                 f"(skills: {', '.join(self.skills)})")
        return self

    def is_priority_work(self, task: Task) -> bool:
        """True when the ``kefu`` policy gives ``task`` the priority-work extras."""
        if self.policy != "kefu":
            return False
        work = self.priority_work
        threshold = work.sentiment_at_most
        return task.tier in work.tiers or (
            threshold is not None and task.sentiment is not None and task.sentiment <= threshold)

    def priority_matching(self) -> MatchingRules:
        """The matching rules for priority work (its own topic relaxation, if configured)."""
        steps = self.priority_work.relax_topic_level
        if steps is None or self.policy != "kefu":
            return self.matching
        return self.matching.model_copy(update={"relax_topic_level": steps})

    def offer_timeout_for(self, task: Task) -> float:
        """Reservation timeout of an offer of ``task`` (shorter for priority work)."""
        short = self.priority_work.offer_timeout_seconds
        if short is not None and self.is_priority_work(task):
            return min(short, self.offer_timeout_seconds)
        return self.offer_timeout_seconds

    def first_response_target(self, tier: str) -> float:
        """SLA first-response target (seconds) for a customer tier."""
        return self.first_response_seconds.get(tier, self.first_response_seconds.get(
            "standard", 300.0))


def load_config(path: Path | str | None = None, **overrides: object) -> RoutingConfig:
    """Read and validate the routing config; ``overrides`` replace top-level keys."""
    import yaml

    if path is not None and not Path(path).is_file():
        raise InvalidInput(f"routing config {path} does not exist", details={"path": str(path)})
    path = Path(path) if path else DEFAULT_PATH
    data: dict[str, object] = {}
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise InvalidInput(f"{path}: not valid YAML: {exc}") from exc
    data.update(overrides)
    try:
        return RoutingConfig.model_validate(data)
    except ValueError as exc:
        raise InvalidInput(f"{path}: invalid routing config: {exc}",
                           details={"path": str(path)}) from exc
