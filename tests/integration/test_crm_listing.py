"""Listings (filters, offset and keyset pagination) and the updates the REST API needs,
on real SQLite and PostgreSQL (same tests, parametrised)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from crm_core.domain import AgentRole, OrderStatus, Presence, Priority, TicketStatus
from crm_core.errors import (
    AgentNotFound,
    InvalidCredentials,
    InvalidInput,
    InvalidTransition,
    ProductNotFound,
    SelfLockout,
    TicketNotFound,
)
from crm_core.models import Order, utcnow
from crm_core.services import agents, audit, customers, orders, tickets
from crm_core.services.checks import UNSET
from tests.integration.crm_support import *  # noqa: F403 - fixtures


async def _customers(uow, n: int) -> list[int]:
    ids = []
    for i in range(n):
        customer = await customers.create_customer(uow, customers.NewCustomer(
            name=f"Person {i}", email=f"p{i}@example.com", phone=f"+86 138 0000 {i:04d}",
            country="CN" if i % 2 else "GB", tier="vip" if i % 3 == 0 else "standard"),
            actor="system")
        ids.append(customer.id)
    return ids


async def _walk(list_page, **filters) -> list:
    """Every item of a listing, page by page through ``next_cursor``."""
    seen, cursor = [], None
    for _ in range(50):  # a cursor that does not advance must fail, not hang
        page = await list_page(cursor=cursor, **filters)
        seen += page.items
        if page.next_cursor is None:
            return seen
        assert len(page.items) == page.limit and page.next_cursor != cursor
        cursor = page.next_cursor
    raise AssertionError("the listing never ended")


async def test_customer_filters_combine_name_email_phone(uow) -> None:
    await _customers(uow, 6)
    await customers.create_customer(uow, customers.NewCustomer(
        name="Percy 100%_off", email="percy@example.com", phone="+86 138 0000 0001"),
        actor="system")

    async def names(**filters) -> list[str]:
        page = await customers.list_customers(uow, **filters)
        assert page.total == len(page.items)
        return [c.name for c in page.items]

    assert await names(email=" P3@EXAMPLE.com") == ["Person 3"]
    # Phones are not unique: an exact phone lists everyone who has it.
    assert await names(phone="+86 (138) 0000-0001") == ["Person 1", "Percy 100%_off"]
    assert await names(phone="+86 138 0000 0001", name="perc") == ["Percy 100%_off"]
    assert await names(email="p3@example.com", country="GB") == []
    assert await names(name="PERSON 4", tier="standard", country="GB") == ["Person 4"]
    # ``name`` is the name only (not the email), and % or _ are literal characters.
    assert await names(name="example") == []
    assert await names(name="0%_") == ["Percy 100%_off"]
    assert await names(name="%") == ["Percy 100%_off"]


async def test_customer_keyset_walk_equals_offset_walk(uow) -> None:
    ids = await _customers(uow, 7)
    walked = await _walk(lambda **kw: customers.list_customers(uow, limit=3, **kw))
    assert [c.id for c in walked] == ids
    by_offset = [c.id for off in (0, 3, 6)
                 for c in (await customers.list_customers(uow, limit=3, offset=off)).items]
    assert by_offset == ids
    cn = await _walk(lambda **kw: customers.list_customers(uow, limit=2, **kw), country="CN")
    assert [c.id for c in cn] == ids[1::2]
    # An offset page also says where the next one starts, so clients can switch.
    page = await customers.list_customers(uow, limit=2, offset=2)
    rest = await customers.list_customers(uow, limit=10, cursor=page.next_cursor)
    assert [c.id for c in rest.items] == ids[4:] and rest.next_cursor is None
    assert rest.total == 7 and rest.offset == 0


async def _orders_placed_at(uow, customer_id: int, placed: list) -> list[str]:
    """Orders written directly (the repository tier), to control ``placed_at`` ties."""
    async with uow:
        rows = [Order(number=f"T-ORDER-{i}", customer_id=customer_id, status=status,
                      placed_at=when, total=Decimal("1.00"))
                for i, (when, status) in enumerate(placed)]
        for row in rows:
            uow.orders.add(row)
        await uow.commit()
    return [row.number for row in rows]


async def test_order_keyset_walk_is_newest_first_with_ties_broken_by_id(uow) -> None:
    [ann] = await _customers(uow, 1)
    t0 = utcnow().replace(microsecond=123456)
    placed = [(t0 - timedelta(days=i // 3), OrderStatus.PAID if i % 2 else OrderStatus.PENDING)
              for i in range(8)]  # three orders share each timestamp
    numbers = await _orders_placed_at(uow, ann, placed)
    newest_first = [n for _, n in sorted(zip(placed, numbers, strict=True),
                                         key=lambda p: (p[0][0], p[1]), reverse=True)]
    walked = await _walk(lambda **kw: orders.list_orders(uow, limit=2, **kw))
    assert [o.number for o in walked] == newest_first
    paid = await _walk(lambda **kw: orders.list_orders(uow, limit=1, **kw),
                       status=OrderStatus.PAID, customer_id=ann)
    assert [o.number for o in paid] == [n for n in newest_first
                                        if placed[numbers.index(n)][1] is OrderStatus.PAID]


async def test_cursor_pages_skip_and_repeat_nothing_while_rows_are_added(uow) -> None:
    [ann] = await _customers(uow, 1)
    t0 = utcnow()
    numbers = await _orders_placed_at(uow, ann, [(t0 - timedelta(hours=i), OrderStatus.PAID)
                                                 for i in range(6)])
    first = await orders.list_orders(uow, limit=3)
    # New orders arrive (newest first: they would shift every offset page by two).
    async with uow:
        for i in range(2):
            uow.orders.add(Order(number=f"NEW-{i}", customer_id=ann, placed_at=utcnow(),
                                 total=Decimal("1.00")))
        await uow.commit()
    second = await orders.list_orders(uow, limit=3, cursor=first.next_cursor)
    assert [o.number for o in first.items + second.items] == numbers
    assert second.next_cursor is None and second.total == 8


async def test_ticket_keyset_walk_by_filter(uow, policy) -> None:
    ann, bo = await _customers(uow, 2)
    made = []
    for i in range(5):
        ticket = await tickets.create_ticket(uow, policy, tickets.NewTicket(
            customer_id=ann if i < 3 else bo, subject=f"Help {i}",
            priority=Priority.URGENT if i % 2 else Priority.LOW), actor="bot")
        made.append(ticket.number)
    walked = await _walk(lambda **kw: tickets.list_tickets(uow, limit=2, **kw))
    assert [t.number for t in walked] == made[::-1]
    urgent = await _walk(lambda **kw: tickets.list_tickets(uow, limit=1, **kw),
                         priority=Priority.URGENT, status=TicketStatus.NEW)
    assert [t.number for t in urgent] == [made[3], made[1]]
    mine = await _walk(lambda **kw: tickets.list_tickets(uow, limit=2, **kw), customer_id=ann,
                       unassigned=True)
    assert [t.number for t in mine] == made[2::-1]


def _forge(listing: str, key: list) -> str:
    raw = json.dumps({"l": listing, "k": key}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_LISTS = {"customers": customers.list_customers, "orders": orders.list_orders,
          "tickets": tickets.list_tickets}


@pytest.mark.parametrize(("listing", "cursor"), [
    ("customers", "not-a-cursor"), ("customers", "e30"), ("customers", "!!!!"),
    ("customers", _forge("orders", [1])),                  # another list's cursor
    ("customers", _forge("customers", ["1"])),             # wrong type
    ("customers", _forge("customers", [2**40])),           # would overflow int4
    ("customers", _forge("customers", [True])),
    ("customers", _forge("customers", [1, 2])),            # wrong arity
    ("orders", _forge("orders", ["2026-01-01T00:00:00", 5])),  # naive timestamp
    ("orders", _forge("orders", ["yesterday", 5])),
    ("tickets", _forge("tickets", [None, 1])),
    ("tickets", _forge("orders", ["2026-01-01T00:00:00+00:00", 5])),
])
async def test_forged_or_foreign_cursors_are_invalid_input(uow, listing: str,
                                                           cursor: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        await _LISTS[listing](uow, cursor=cursor)
    assert exc.value.details == {"cursor": "invalid for this list"}


async def test_a_valid_forged_cursor_only_moves_the_start(uow) -> None:
    ids = await _customers(uow, 4)
    page = await customers.list_customers(uow, cursor=_forge("customers", [ids[1]]))
    assert [c.id for c in page.items] == ids[2:]


async def test_cursor_and_offset_together_are_refused(uow) -> None:
    await _customers(uow, 3)
    page = await customers.list_customers(uow, limit=1)
    with pytest.raises(InvalidInput) as exc:
        await customers.list_customers(uow, limit=1, offset=1, cursor=page.next_cursor)
    assert "offset" in exc.value.details


async def test_update_product_sets_clears_refuses_and_audits(uow) -> None:
    mug = await customers.create_product(uow, customers.NewProduct(
        sku="MUG-1", name="Mug", price=Decimal("3.50"), category="kitchen",
        description="Blue"), actor="system")
    updated = await customers.update_product(uow, mug.id, customers.ProductChanges(
        price=Decimal("4.00"), stock=7, category=None, name="  Big mug "), actor="agent:1")
    assert (updated.price, updated.stock, updated.category, updated.name) == (
        Decimal("4.00"), 7, None, "Big mug")
    assert updated.description == "Blue"  # not sent: unchanged
    fetched = await customers.get_product(uow, product_id=mug.id)
    assert (fetched.price, fetched.category) == (Decimal("4.00"), None)
    [entry] = (await audit.list_entries(uow, entity="product", entity_id=mug.id,
                                        actor="agent:1")).items
    assert entry.action == "product.update"
    assert entry.details == {"price": "4.00", "stock": "7", "category": "None",
                             "name": "Big mug"}
    # Sending the same values again changes (and logs) nothing.
    await customers.update_product(uow, mug.id, customers.ProductChanges(stock=7),
                                   actor="agent:1")
    assert (await audit.list_entries(uow, entity="product", actor="agent:1")).total == 1
    with pytest.raises(InvalidInput) as exc:
        await customers.update_product(uow, mug.id, customers.ProductChanges(
            name=None, active=None, description=None), actor="agent:1")
    assert exc.value.details == {"active": "may not be null", "name": "may not be null"}
    with pytest.raises(InvalidInput):
        await customers.update_product(uow, mug.id, customers.ProductChanges(
            stock=-1), actor="agent:1")
    with pytest.raises(ProductNotFound):
        await customers.update_product(uow, 424242, customers.ProductChanges(stock=1),
                                       actor="agent:1")
    assert (await customers.get_product(uow, product_id=mug.id)).stock == 7


async def test_update_agent_fields_password_skills_team_and_audit(uow) -> None:
    mei = await agents.create_agent(uow, agents.NewAgent(
        email="mei@kefu.test", name="Mei", password="s3cret-enough", skills={"billing": 2},
        team="night"), actor="system")
    changed = await agents.update_agent(uow, mei.id, agents.AgentChanges(
        password="a new long password", skills={"returns": 4}, capacity={"web": 2},
        role=AgentRole.SUPERVISOR, team=None, languages=["zh"]), actor="agent:9",
        acting_agent_id=9)
    assert (changed.role, changed.team, changed.capacity, changed.languages) == (
        AgentRole.SUPERVISOR, None, {"web": 2}, ["zh"])
    assert {s.skill: s.level for s in changed.skills} == {"returns": 4}
    await agents.authenticate(uow, "mei@kefu.test", "a new long password")
    with pytest.raises(InvalidCredentials):
        await agents.authenticate(uow, "mei@kefu.test", "s3cret-enough")
    [entry] = (await audit.list_entries(uow, entity="agent", actor="agent:9")).items
    assert entry.details["password"] == "changed" and entry.details["role"] == "supervisor"
    assert "a new long password" not in json.dumps(entry.details)
    await agents.set_presence(uow, mei.id, Presence.AVAILABLE)
    off = await agents.update_agent(uow, mei.id, agents.AgentChanges(active=False),
                                    actor="agent:9", acting_agent_id=9)
    assert (off.active, off.presence) == (False, Presence.OFFLINE)


@pytest.mark.parametrize(("changes", "field"), [
    (agents.AgentChanges(), "body"),
    (agents.AgentChanges(name=None), "name"),
    (agents.AgentChanges(password="short"), "field"),
    (agents.AgentChanges(skills={"billing": 9}), "skill"),
    (agents.AgentChanges(capacity={"fax": 1}), "channel"),
    (agents.AgentChanges(role="owner"), "allowed"),
])
async def test_update_agent_refuses_bad_changes(uow, changes, field: str) -> None:
    mei = await agents.create_agent(uow, agents.NewAgent(
        email="mei@kefu.test", name="Mei", password="s3cret-enough"), actor="system")
    with pytest.raises(InvalidInput) as exc:
        await agents.update_agent(uow, mei.id, changes, actor="system")
    assert field in exc.value.details
    assert changes.team is UNSET


async def test_agents_cannot_lock_themselves_out(uow) -> None:
    boss = await agents.create_agent(uow, agents.NewAgent(
        email="boss@kefu.test", name="Boss", password="s3cret-enough", role=AgentRole.ADMIN),
        actor="system")
    for changes in (agents.AgentChanges(active=False),
                    agents.AgentChanges(role=AgentRole.SUPERVISOR, name="B")):
        with pytest.raises(SelfLockout) as exc:
            await agents.update_agent(uow, boss.id, changes, actor="system",
                                      acting_agent_id=boss.id)
        assert exc.value.code == "self_lockout" and exc.value.details == {"agent_id": boss.id}
    # Refused changes are not half-applied; harmless changes to oneself are fine.
    same = await agents.update_agent(uow, boss.id, agents.AgentChanges(
        role=AgentRole.ADMIN, name="Big Boss"), actor="system", acting_agent_id=boss.id)
    assert (same.role, same.name, same.active) == (AgentRole.ADMIN, "Big Boss", True)
    with pytest.raises(AgentNotFound):
        await agents.update_agent(uow, 424242, agents.AgentChanges(name="X"), actor="system")


async def test_record_view_is_its_own_committed_entry(uow) -> None:
    [ann] = await _customers(uow, 1)
    entry = await audit.record_view(uow, "agent:3", "customer.view", "customer", ann,
                                    {"returned": 1})
    [stored] = (await audit.list_entries(uow, actor="agent:3")).items
    assert (stored.id, stored.action, stored.entity_id, stored.details) == (
        entry.id, "customer.view", str(ann), {"returned": 1})


async def test_update_ticket_is_all_or_nothing(uow, policy) -> None:
    [ann] = await _customers(uow, 1)
    ticket = await tickets.create_ticket(uow, policy, tickets.NewTicket(
        customer_id=ann, subject="Late", priority=Priority.LOW), actor="bot")
    await tickets.change_status(uow, ticket.id, TicketStatus.SOLVED, actor="agent:1")
    # Solved -> pending is no allowed move: the priority change goes too.
    with pytest.raises(InvalidTransition):
        await tickets.update_ticket(uow, policy, ticket.number, priority=Priority.URGENT,
                                    status=TicketStatus.PENDING, actor="agent:1")
    same = await tickets.get_ticket(uow, ticket.id)
    assert (same.priority, same.status, same.resolution_due) == (
        ticket.priority, TicketStatus.SOLVED, ticket.resolution_due)
    both = await tickets.update_ticket(uow, policy, f" {ticket.number} ",
                                       priority=Priority.URGENT, status=TicketStatus.OPEN,
                                       actor="agent:1")
    assert (both.priority, both.status, both.solved_at) == (
        Priority.URGENT, TicketStatus.OPEN, None)
    assert both.resolution_due < ticket.resolution_due
    actions = [e.action for e in (await audit.list_entries(
        uow, entity="ticket", actor="agent:1")).items]
    assert actions == ["ticket.status", "ticket.priority", "ticket.status"]
    with pytest.raises(InvalidInput):
        await tickets.update_ticket(uow, policy, ticket.number, actor="agent:1")
    with pytest.raises(TicketNotFound):
        await tickets.update_ticket(uow, policy, "T-1", priority=Priority.HIGH, actor="x")
