"""Domain rules: pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crm_core.domain import (
    TICKET_TRANSITIONS,
    CustomerTier,
    OrderStatus,
    Priority,
    TicketStatus,
    check_can_cancel,
    check_can_change_address,
    check_can_return,
    check_order_transition,
    check_ticket_transition,
    choose_priority,
    sla_due_times,
)
from crm_core.errors import (
    AddressChangeNotAllowed,
    InvalidInput,
    InvalidTransition,
    OrderNotCancellable,
    ReturnNotAllowed,
    RuleViolation,
)
from crm_core.policies import load_policy, parse_policy

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

POLICY_DATA = {
    "sla": {
        "default_priority": "normal",
        "priorities": {
            "urgent": {"first_response_minutes": 15, "resolution_minutes": 60},
            "high": {"first_response_minutes": 60, "resolution_minutes": 480},
            "normal": {"first_response_minutes": 240, "resolution_minutes": 2880},
            "low": {"first_response_minutes": 1440, "resolution_minutes": 10080},
        },
        "category_priority": {"payment": "high"},
        "tier_boost": {"vip": 1},
    },
    "orders": {"return_window_days": 30},
}


@pytest.fixture
def policy():
    return parse_policy(POLICY_DATA)


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.PAID])
def test_cancel_and_address_change_allowed_before_shipping(status: OrderStatus) -> None:
    check_can_cancel("KF-1", status)
    check_can_change_address("KF-1", status)


@pytest.mark.parametrize("status", [OrderStatus.SHIPPED, OrderStatus.DELIVERED,
                                    OrderStatus.CANCELLED, OrderStatus.RETURNED])
def test_cancel_and_address_change_refused_from_shipping_on(status: OrderStatus) -> None:
    with pytest.raises(OrderNotCancellable) as exc:
        check_can_cancel("KF-1", status)
    assert exc.value.code == "order_not_cancellable"
    assert exc.value.details == {"order": "KF-1", "status": str(status)}
    assert isinstance(exc.value, RuleViolation)
    with pytest.raises(AddressChangeNotAllowed) as exc2:
        check_can_change_address("KF-1", status)
    assert exc2.value.details["status"] == str(status)


def test_return_inside_window_on_the_last_day() -> None:
    check_can_return("KF-1", OrderStatus.DELIVERED, NOW - timedelta(days=30), NOW, 30)


def test_return_refused_after_window() -> None:
    with pytest.raises(ReturnNotAllowed) as exc:
        check_can_return("KF-1", OrderStatus.DELIVERED, NOW - timedelta(days=30, seconds=1),
                         NOW, 30)
    assert exc.value.details["reason"] == "window_closed"
    assert exc.value.code == "return_not_allowed"


@pytest.mark.parametrize("status", [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.RETURNED])
def test_return_refused_unless_delivered(status: OrderStatus) -> None:
    with pytest.raises(ReturnNotAllowed) as exc:
        check_can_return("KF-1", status, NOW, NOW, 30)
    assert exc.value.details["reason"] == "not_delivered"


def test_order_lifecycle() -> None:
    check_order_transition("KF-1", OrderStatus.PENDING, OrderStatus.PAID)
    check_order_transition("KF-1", OrderStatus.PAID, OrderStatus.SHIPPED)
    check_order_transition("KF-1", OrderStatus.SHIPPED, OrderStatus.DELIVERED)
    with pytest.raises(InvalidTransition) as exc:
        check_order_transition("KF-1", OrderStatus.PENDING, OrderStatus.DELIVERED)
    assert exc.value.details["allowed"] == ["cancelled", "paid"]


def test_ticket_transition_table() -> None:
    # Every status appears; closed is final; every open status can be solved.
    assert set(TICKET_TRANSITIONS) == set(TicketStatus)
    assert TICKET_TRANSITIONS[TicketStatus.CLOSED] == frozenset()
    for status in TicketStatus:
        if status.is_open:
            check_ticket_transition("T-1", status, TicketStatus.SOLVED)
    check_ticket_transition("T-1", TicketStatus.SOLVED, TicketStatus.OPEN)  # reopen
    for bad in [(TicketStatus.CLOSED, TicketStatus.OPEN), (TicketStatus.OPEN, TicketStatus.NEW),
                (TicketStatus.OPEN, TicketStatus.CLOSED)]:
        with pytest.raises(InvalidTransition) as exc:
            check_ticket_transition("T-1", *bad)
        assert exc.value.details["from"] == bad[0] and exc.value.code == "invalid_transition"


def test_sla_due_times_from_policy(policy) -> None:
    first, resolution = sla_due_times(policy, Priority.URGENT, NOW)
    assert first == NOW + timedelta(minutes=15)
    assert resolution == NOW + timedelta(minutes=60)


def test_priority_from_category_floor_and_tier_boost(policy) -> None:
    assert choose_priority(policy, None, None, CustomerTier.STANDARD) is Priority.NORMAL
    assert choose_priority(policy, Priority.LOW, "payment", None) is Priority.HIGH
    assert choose_priority(policy, None, "payment", CustomerTier.VIP) is Priority.URGENT
    # Capped at the top.
    assert choose_priority(policy, Priority.URGENT, None, CustomerTier.VIP) is Priority.URGENT


def test_policy_file_in_config_loads_with_every_priority() -> None:
    policy = load_policy(CONFIG_DIR)
    assert set(policy.targets) == set(Priority)
    for targets in policy.targets.values():
        assert targets.first_response <= targets.resolution


def test_policy_rejects_unknown_keys_and_missing_priorities() -> None:
    with pytest.raises(InvalidInput):
        parse_policy({**POLICY_DATA, "surprise": 1})
    partial = {**POLICY_DATA, "sla": {**POLICY_DATA["sla"], "priorities": {
        "normal": {"first_response_minutes": 1, "resolution_minutes": 2}}}}
    with pytest.raises(InvalidInput) as exc:
        parse_policy(partial)
    assert set(exc.value.details["missing"]) == {"low", "high", "urgent"}


@pytest.mark.parametrize(("current", "new_role", "active", "refused"), [
    ("admin", None, False, True),             # disabling oneself
    ("admin", "supervisor", None, True),      # demoting oneself
    ("supervisor", "agent", True, True),
    ("admin", "admin", True, False),          # same role, staying active
    ("supervisor", "admin", None, False),     # not lower: not a lockout
    ("agent", None, None, False),
])
def test_nobody_locks_themselves_out(current, new_role, active, refused: bool) -> None:
    from crm_core.domain import check_no_self_lockout
    from crm_core.errors import SelfLockout

    if refused:
        with pytest.raises(SelfLockout) as exc:
            check_no_self_lockout(7, 7, current, new_role, active)
        assert isinstance(exc.value, RuleViolation) and exc.value.details == {"agent_id": 7}
    else:
        check_no_self_lockout(7, 7, current, new_role, active)
    # Changing someone else is never a self-lockout.
    check_no_self_lockout(7, 8, current, new_role, active)
