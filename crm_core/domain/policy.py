"""The service-level policy as plain frozen data (loaded from ``config/policies.yml`` by
``crm_core.policies.load_policy``); the code holds no SLA or delivery numbers of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from crm_core.domain.enums import CustomerTier, Priority


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """How long a ticket of one priority may wait for a first response and a resolution."""

    first_response: timedelta
    resolution: timedelta


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How long orders take to leave the warehouse and to travel, in business days
    (Monday to Friday)."""

    # Business days from payment to hand-over to the carrier.
    dispatch_business_days: int
    # (fewest, most) business days in transit, by destination ISO alpha-2 code; the key
    # "default" covers every other destination.
    transit_business_days: dict[str, tuple[int, int]]

    def transit_for(self, country: str | None) -> tuple[int, int]:
        """The transit range to ``country`` (alpha-2), or the default range."""
        return self.transit_business_days.get((country or "").upper(),
                                              self.transit_business_days["default"])


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Ticket SLA targets per priority, plus the rules that choose a ticket's priority."""

    targets: dict[Priority, SlaTargets]
    default_priority: Priority
    # Days after delivery during which a customer may ask for a return.
    return_window_days: int
    # A ticket in these categories starts at least at this priority (e.g. payment -> high).
    category_priority: dict[str, Priority] = field(default_factory=dict)
    # Customers of these tiers get their ticket raised by this many priority steps.
    tier_boost: dict[CustomerTier, int] = field(default_factory=dict)
    # Dispatch and transit times for delivery estimates; None: the file sets none.
    delivery: DeliveryPolicy | None = None

    def targets_for(self, priority: Priority) -> SlaTargets:
        """The targets of ``priority`` (every priority must be configured)."""
        return self.targets[priority]
