"""When an order should arrive: dispatch and transit times from the policy file, counted
in business days (Monday to Friday, numpy's business-day calendar), from the order's own
shipping data (shipped, else paid, else 'after payment')."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Protocol

import numpy as np

from crm_core.addresses import country_of
from crm_core.domain.enums import OrderStatus
from crm_core.domain.policy import SlaPolicy

_FINISHED = frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.RETURNED})


class ShippingData(Protocol):
    """What an estimate reads from an order (``crm_core.models.Order`` has all of it)."""

    @property
    def status(self) -> OrderStatus | str: ...
    @property
    def shipping_address(self) -> str | None: ...
    @property
    def paid_at(self) -> datetime | None: ...
    @property
    def shipped_at(self) -> datetime | None: ...


class EstimateBasis(StrEnum):
    """What the estimate counts from."""

    SHIPPED = "shipped"              # the carrier has it: transit only
    PAID = "paid"                    # paid, not yet shipped: dispatch + transit
    AFTER_PAYMENT = "after_payment"  # pending: counted as if paid today


@dataclass(frozen=True, slots=True)
class DeliveryEstimate:
    """The delivery window (both days included) and whether it has already passed."""

    earliest: date
    latest: date
    # The latest day has passed and the order is still not delivered.
    late: bool
    basis: EstimateBasis
    # The destination the transit time was taken for (None: the policy's default range).
    country: str | None


def estimate_delivery(order: ShippingData, policy: SlaPolicy, now: datetime, *,
                      default_country: str | None = None) -> DeliveryEstimate | None:
    """The delivery window of an order not yet delivered, cancelled or returned; None for
    those, or when the policy file sets no delivery times. The destination comes from the
    shipping address (the country it names, else ``default_country``: an ISO code or a
    name such as the customer's country; unknown names count as none)."""
    status = OrderStatus(order.status)
    delivery = policy.delivery
    if status in _FINISHED or delivery is None:
        return None
    country = country_of(order.shipping_address, default_country)
    fewest, most = delivery.transit_for(country)
    today = _day(now)
    if status is OrderStatus.SHIPPED and order.shipped_at is not None:
        start, basis = _day(order.shipped_at), EstimateBasis.SHIPPED
    elif status in (OrderStatus.PAID, OrderStatus.SHIPPED) and order.paid_at is not None:
        start = _business_days_after(_day(order.paid_at), delivery.dispatch_business_days)
        basis = EstimateBasis.PAID
    else:
        start = _business_days_after(today, delivery.dispatch_business_days)
        basis = EstimateBasis.AFTER_PAYMENT
    earliest = _business_days_after(start, fewest)
    latest = _business_days_after(start, most)
    late = basis is not EstimateBasis.AFTER_PAYMENT and latest < today
    return DeliveryEstimate(earliest, latest, late, basis, country)


def _day(moment: datetime) -> date:
    """The UTC calendar day of a moment (naive datetimes are UTC, as the CRM stores them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def _business_days_after(day: date, count: int) -> date:
    """``count`` business days after ``day``; a weekend day first rolls on to Monday (an
    order handed over on Saturday starts travelling on Monday)."""
    shifted = np.busday_offset(np.datetime64(day, "D"), count, roll="forward")
    return shifted.astype("datetime64[D]").astype(date)
