"""Delivery estimates from an order's shipping data and the policy file's dispatch and
transit times, in business days; and the policy loader's checks of those times."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crm_core.addresses import country_of
from crm_core.delivery import DeliveryEstimate, EstimateBasis, estimate_delivery
from crm_core.domain import DeliveryPolicy, OrderStatus
from crm_core.errors import InvalidInput
from crm_core.policies import load_policy, parse_policy

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
MONDAY = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
POLICY_DATA = {
    "sla": {
        "default_priority": "normal",
        "priorities": {p: {"first_response_minutes": 1, "resolution_minutes": 2}
                       for p in ("urgent", "high", "normal", "low")},
    },
    "orders": {
        "return_window_days": 30,
        "dispatch_business_days": 1,
        "transit_business_days": {"default": [5, 10], "GB": [1, 3], "US": [3, 6],
                                  "CN": [4, 8]},
    },
}
UK_ADDRESS = "10 Downing St, London SW1A 2AA, UK"


@dataclass(frozen=True)
class Shipping:
    """The shipping data of an order, as ``crm_core.models.Order`` carries it."""

    status: OrderStatus
    shipping_address: str | None = UK_ADDRESS
    paid_at: datetime | None = None
    shipped_at: datetime | None = None


@pytest.fixture
def policy():
    return parse_policy(POLICY_DATA)


def day(d: int, month: int = 12) -> datetime:
    return datetime(2026, month, d, 16, 0, tzinfo=UTC)


def test_shipped_on_friday_arrives_within_the_transit_business_days(policy) -> None:
    est = estimate_delivery(Shipping(OrderStatus.SHIPPED, shipped_at=day(4)), policy, MONDAY)
    assert est == DeliveryEstimate(earliest=date(2026, 12, 7), latest=date(2026, 12, 9),
                                   late=False, basis=EstimateBasis.SHIPPED, country="GB")


def test_a_weekend_hand_over_starts_on_monday(policy) -> None:
    saturday = estimate_delivery(Shipping(OrderStatus.SHIPPED, shipped_at=day(5)), policy,
                                 MONDAY)
    assert (saturday.earliest, saturday.latest) == (date(2026, 12, 8), date(2026, 12, 10))


def test_paid_not_shipped_adds_the_dispatch_time(policy) -> None:
    # Paid Thursday 3rd -> handed over Friday 4th -> 3 to 6 business days to the US.
    order = Shipping(OrderStatus.PAID, "1600 Amphitheatre Pkwy, Mountain View, CA 94043, USA",
                     paid_at=day(3))
    est = estimate_delivery(order, policy, MONDAY)
    assert (est.earliest, est.latest, est.basis, est.country) == (
        date(2026, 12, 9), date(2026, 12, 14), EstimateBasis.PAID, "US")
    assert not est.late


def test_pending_order_is_estimated_as_if_paid_today(policy) -> None:
    est = estimate_delivery(Shipping(OrderStatus.PENDING), policy, MONDAY)
    assert est.basis is EstimateBasis.AFTER_PAYMENT and not est.late
    # Monday + 1 dispatch day = Tuesday; + 1..3 transit days in the UK.
    assert (est.earliest, est.latest) == (date(2026, 12, 9), date(2026, 12, 11))


@pytest.mark.parametrize("status", [OrderStatus.DELIVERED, OrderStatus.CANCELLED,
                                    OrderStatus.RETURNED])
def test_finished_orders_have_no_estimate(policy, status: OrderStatus) -> None:
    order = Shipping(status, paid_at=day(1), shipped_at=day(2))
    assert estimate_delivery(order, policy, MONDAY) is None


def test_a_shipment_past_its_latest_day_is_late(policy) -> None:
    order = Shipping(OrderStatus.SHIPPED, shipped_at=day(2, month=11))
    est = estimate_delivery(order, policy, MONDAY)
    assert est.late and est.latest == date(2026, 11, 5)
    on_time = estimate_delivery(order, policy, datetime(2026, 11, 5, 23, 59, tzinfo=UTC))
    assert not on_time.late  # the latest day itself is still on time


def test_paid_long_ago_and_never_shipped_is_late(policy) -> None:
    est = estimate_delivery(Shipping(OrderStatus.PAID, paid_at=day(2, month=11)), policy,
                            MONDAY)
    assert est.late and est.basis is EstimateBasis.PAID


@pytest.mark.parametrize(("address", "default", "country", "transit"), [
    ("浙江省杭州市西湖区文三路100号 310000", None, "CN", (4, 8)),
    ("上海南京路12号", None, "CN", (4, 8)),                 # incomplete, still in China
    ("12 High St, London, United Kingdom", None, "GB", (1, 3)),  # no postcode, still GB
    ("12 High St, Austin", "US", "US", (3, 6)),
    ("12 High St, Austin", "United States", "US", (3, 6)),  # a customer's country name
    ("12 High St, Austin", "Unspecified", None, (5, 10)),  # unknown name: default range
    (None, "GB", "GB", (1, 3)),
    (None, None, None, (5, 10)),
    ("Hauptstraße 5, 10115 Berlin, Germany", "GB", "DE", (5, 10)),  # no DE row: default
])
def test_destination_from_the_address_else_the_default(policy, address, default, country,
                                                        transit) -> None:
    assert country_of(address, default) == country
    order = Shipping(OrderStatus.SHIPPED, address, shipped_at=day(4))
    est = estimate_delivery(order, policy, MONDAY, default_country=default)
    assert est.country == country
    fewest, most = transit
    assert (est.earliest, est.latest) == (_plus_business_days(date(2026, 12, 4), fewest),
                                          _plus_business_days(date(2026, 12, 4), most))


def _plus_business_days(start: date, n: int) -> date:
    """Independent of numpy: step one calendar day at a time, count Mondays-Fridays."""
    from datetime import timedelta

    current = start
    while current.weekday() >= 5:
        current += timedelta(days=1)
    while n:
        current += timedelta(days=1)
        n -= current.weekday() < 5
    return current


def test_the_orm_order_is_what_an_estimate_reads(policy) -> None:
    from crm_core.models import Order

    order = Order(number="KF-100001", status=OrderStatus.SHIPPED, shipping_address=UK_ADDRESS,
                  paid_at=day(3), shipped_at=day(4))
    assert estimate_delivery(order, policy, MONDAY).latest == date(2026, 12, 9)


def test_naive_datetimes_count_as_utc(policy) -> None:
    order = Shipping(OrderStatus.SHIPPED, shipped_at=datetime(2026, 12, 4, 23, 30))
    assert estimate_delivery(order, policy, MONDAY).earliest == date(2026, 12, 7)


def test_no_delivery_times_in_the_file_means_no_estimate() -> None:
    data = copy.deepcopy(POLICY_DATA)
    del data["orders"]["dispatch_business_days"], data["orders"]["transit_business_days"]
    policy = parse_policy(data)
    assert policy.delivery is None
    assert estimate_delivery(Shipping(OrderStatus.SHIPPED, shipped_at=day(4)), policy,
                             MONDAY) is None


# --- the policy file ---------------------------------------------------------------------


def test_policy_file_in_config_has_delivery_times() -> None:
    delivery = load_policy(CONFIG_DIR).delivery
    assert isinstance(delivery, DeliveryPolicy)
    assert delivery.dispatch_business_days >= 0
    assert "default" in delivery.transit_business_days
    for fewest, most in delivery.transit_business_days.values():
        assert 0 <= fewest <= most
    assert delivery.transit_for("gb") == delivery.transit_business_days["GB"]
    assert delivery.transit_for("ZW") == delivery.transit_for(None)


def test_parsed_delivery_policy(policy) -> None:
    assert policy.delivery == DeliveryPolicy(
        1, {"default": (5, 10), "GB": (1, 3), "US": (3, 6), "CN": (4, 8)})
    assert policy.return_window_days == 30


@pytest.mark.parametrize(("change", "complaint"), [
    ({"surprise": 1}, "surprise"),
    ({"dispatch_business_days": -1}, "dispatch_business_days"),
    ({"dispatch_business_days": "soon"}, "dispatch_business_days"),
    ({"transit_business_days": {"GB": [1, 3]}}, "default"),
    ({"transit_business_days": {"default": [3, 7], "XX": [1, 2]}}, "XX"),
    ({"transit_business_days": {"default": [3, 7], "gb": [1, 2]}}, "gb"),
    ({"transit_business_days": {"default": [3, 7], "United Kingdom": [1, 2]}}, "United"),
    ({"transit_business_days": {"default": [7, 3]}}, "fewest"),
    ({"transit_business_days": {"default": [3]}}, "transit_business_days"),
    ({"transit_business_days": {"default": [1, 2, 3]}}, "transit_business_days"),
    ({"transit_business_days": None}, "both"),
])
def test_policy_loader_rejects_bad_delivery_times(change: dict, complaint: str) -> None:
    data = copy.deepcopy(POLICY_DATA)
    data["orders"].update(change)
    if change.get("transit_business_days", ...) is None:
        del data["orders"]["transit_business_days"]
    with pytest.raises(InvalidInput) as exc:
        parse_policy(data)
    assert complaint in exc.value.message


def test_policy_file_with_a_typo_fails_to_load(tmp_path: Path) -> None:
    text = (CONFIG_DIR / "policies.yml").read_text(encoding="utf-8")
    (tmp_path / "policies.yml").write_text(
        text.replace("transit_business_days:", "transit_busines_days:"), encoding="utf-8")
    with pytest.raises(InvalidInput, match="transit_busines_days"):
        load_policy(tmp_path)
