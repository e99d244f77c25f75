"""Services and repositories on real SQLite and PostgreSQL (same tests, parametrised)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from crm_core.domain import Channel, MessageRole, OrderStatus, Priority, TicketStatus
from crm_core.errors import (
    AddressChangeNotAllowed,
    Conflict,
    CustomerNotFound,
    DuplicateKey,
    InvalidCredentials,
    InvalidInput,
    InvalidTransition,
    OrderNotCancellable,
    OrderNotFound,
    OutOfStock,
    ReturnNotAllowed,
)
from crm_core.models import utcnow
from crm_core.services import agents, audit, conversations, csat, customers, orders, tickets
from tests.integration.crm_support import *  # noqa: F403 - fixtures


async def _customer(uow, email="ann@example.com", **kw):
    return await customers.create_customer(
        uow, customers.NewCustomer(name="Ann Lee", email=email, phone="+44 20 7946 0000", **kw),
        actor="system")


async def _order(uow, customer_id, sku="MUG-1", quantity=2):
    try:
        await customers.create_product(uow, customers.NewProduct(
            sku=sku, name="Mug", price=Decimal("3.50"), stock=5, category="kitchen"),
            actor="system")
    except DuplicateKey:
        pass
    return await orders.place_order(uow, customer_id, [orders.NewOrderLine(sku, quantity)],
                                    "1 High St, London", actor="system")


async def test_find_customer_by_email_or_phone(uow) -> None:
    ann = await _customer(uow)
    assert (await customers.find_customer(uow, email="  ANN@example.com")).id == ann.id
    assert (await customers.find_customer(uow, phone="+44 (20) 7946-0000")).id == ann.id
    with pytest.raises(CustomerNotFound) as exc:
        await customers.find_customer(uow, email="nobody@example.com")
    assert exc.value.details == {"entity": "customer", "key": "nobody@example.com"}
    with pytest.raises(InvalidInput):
        await customers.find_customer(uow)
    with pytest.raises(DuplicateKey):
        await _customer(uow, email="Ann@Example.com")


async def test_list_customers_paginates_and_filters(uow) -> None:
    for i in range(7):
        await customers.create_customer(uow, customers.NewCustomer(
            name=f"Person {i}", email=f"p{i}@example.com", country="UK" if i % 2 else "CN",
            phone=f"+86 138 0000 66{i}0"), actor="system")
    page = await customers.list_customers(uow, limit=3, offset=3)
    assert page.total == 7 and [c.name for c in page.items] == ["Person 3", "Person 4",
                                                                "Person 5"]
    assert (await customers.list_customers(uow, country="UK")).total == 3
    assert (await customers.list_customers(uow, q="person 6")).total == 1
    assert (await customers.list_customers(uow, q="138 0000 6630")).total == 1
    with pytest.raises(InvalidInput):
        await customers.list_customers(uow, limit=0)


async def test_order_lookup_is_scoped_to_its_customer(uow) -> None:
    ann, bob = await _customer(uow), await _customer(uow, email="bob@example.com")
    order = await _order(uow, ann.id)
    assert order.number.startswith("KF-") and order.total == Decimal("7.00")
    found = await orders.get_order(uow, order.number, customer_id=ann.id)
    assert [line.quantity for line in found.lines] == [2]
    assert found.lines[0].product.sku == "MUG-1"
    with pytest.raises(OrderNotFound):
        await orders.get_order(uow, order.number, customer_id=bob.id)


async def test_order_with_several_lines_loads_them_all(uow) -> None:
    ann = await _customer(uow)
    for sku in ("MUG-1", "TEA-2", "POT-3"):
        await customers.create_product(uow, customers.NewProduct(
            sku=sku, name=sku.title(), price=Decimal("2.00"), stock=9, category="kitchen"),
            actor="system")
    order = await orders.place_order(
        uow, ann.id, [orders.NewOrderLine("MUG-1", 1), orders.NewOrderLine("TEA-2", 2),
                      orders.NewOrderLine("POT-3", 3)], "1 High St", actor="system")
    for found in (await orders.get_order(uow, order.number, customer_id=ann.id),
                  await orders.get_order(uow, order.number),
                  await orders.get_order_by_id(uow, order.id)):
        assert sorted((line.product.sku, line.quantity) for line in found.lines) == [
            ("MUG-1", 1), ("POT-3", 3), ("TEA-2", 2)]


async def test_identity_needs_the_email_and_one_of_its_orders(uow) -> None:
    ann, bob = await _customer(uow), await _customer(uow, email="bob@example.com")
    order = await _order(uow, ann.id)
    assert (await customers.identify_by_order(uow, " Ann@Example.com", order.number)).id == ann.id
    for email, number in (("bob@example.com", order.number),  # someone else's order
                          ("nobody@example.com", order.number),
                          ("ann@example.com", "KF-999999")):
        with pytest.raises(CustomerNotFound):
            await customers.identify_by_order(uow, email, number)
    assert bob.id != ann.id


async def test_cancel_only_before_shipping_and_stock_returns(uow) -> None:
    ann = await _customer(uow)
    first = await _order(uow, ann.id, quantity=3)
    with pytest.raises(OutOfStock):
        await _order(uow, ann.id, quantity=3)  # only 2 left
    cancelled = await orders.cancel_order(uow, first.number, customer_id=ann.id, actor="bot")
    assert cancelled.status is OrderStatus.CANCELLED and cancelled.cancelled_at is not None
    second = await _order(uow, ann.id, quantity=5)  # stock is back
    await orders.advance_order(uow, second.number, OrderStatus.PAID, actor="system")
    await orders.advance_order(uow, second.number, OrderStatus.SHIPPED, actor="system",
                               tracking_number="1Z999")
    with pytest.raises(OrderNotCancellable) as exc:
        await orders.cancel_order(uow, second.number, customer_id=ann.id, actor="bot")
    assert exc.value.details == {"order": second.number, "status": "shipped"}
    with pytest.raises(AddressChangeNotAllowed):
        await orders.change_shipping_address(uow, second.number, "2 Low St", actor="bot")
    # The refused change left nothing behind.
    again = await orders.get_order(uow, second.number)
    assert again.status is OrderStatus.SHIPPED and again.shipping_address == "1 High St, London"
    with pytest.raises(InvalidTransition):
        await orders.advance_order(uow, second.number, OrderStatus.PAID, actor="system")


async def test_change_address_before_shipping(uow) -> None:
    ann = await _customer(uow)
    order = await _order(uow, ann.id)
    changed = await orders.change_shipping_address(uow, order.number, " 9 New Rd ",
                                                   customer_id=ann.id, actor="bot")
    assert changed.shipping_address == "9 New Rd"
    log = await audit.list_entries(uow, entity="order", entity_id=order.number)
    assert [e.action for e in log.items] == ["order.change_address", "order.place"]
    assert log.items[0].details["to"] == "9 New Rd"


async def test_return_within_window_of_delivery(uow, policy) -> None:
    ann = await _customer(uow)
    order = await _order(uow, ann.id)
    with pytest.raises(ReturnNotAllowed):
        await orders.request_return(uow, policy, order.number, actor="bot")
    delivered = utcnow() - timedelta(days=31)
    for status in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        await orders.advance_order(uow, order.number, status, actor="system", now=delivered)
    with pytest.raises(ReturnNotAllowed) as exc:
        await orders.request_return(uow, policy, order.number, actor="bot")
    assert exc.value.details["reason"] == "window_closed"
    returned = await orders.request_return(uow, policy, order.number, actor="bot",
                                           reason="broken", now=delivered + timedelta(days=29))
    assert returned.status is OrderStatus.RETURNED and returned.return_reason == "broken"


async def test_ticket_sla_transitions_and_comments(uow, policy) -> None:
    ann = await _customer(uow)
    order = await _order(uow, ann.id)
    agent = await agents.create_agent(uow, agents.NewAgent(
        email="kai@kefu.test", name="Kai", password="correct horse", skills={"billing": 4}),
        actor="system")
    ticket = await tickets.create_ticket(uow, policy, tickets.NewTicket(
        customer_id=ann.id, subject="Charged twice", category="payment",
        order_number=order.number, description="I see two charges"), actor="bot")
    assert ticket.number.startswith("T-") and ticket.priority is Priority.HIGH
    assert ticket.first_response_due - ticket.created_at == timedelta(minutes=60)
    assert ticket.resolution_due - ticket.created_at == timedelta(minutes=480)
    assert ticket.order_id == order.id and ticket.status is TicketStatus.NEW

    note = await tickets.add_comment(uow, ticket.id, "check the PSP", public=False,
                                     author_agent_id=agent.id, actor=f"agent:{agent.id}")
    assert (await tickets.get_ticket(uow, ticket.id)).first_responded_at is None
    await tickets.add_comment(uow, ticket.id, "Refund on its way", author_agent_id=agent.id,
                              actor=f"agent:{agent.id}")
    ticket = await tickets.get_ticket(uow, ticket.id)
    assert ticket.status is TicketStatus.OPEN and ticket.first_responded_at is not None
    public = await tickets.list_comments(uow, ticket.id, include_internal=False)
    assert note.id not in [c.id for c in public.items] and public.total == 2

    solved = await tickets.change_status(uow, ticket.id, TicketStatus.SOLVED, actor="agent:1")
    assert solved.solved_at is not None
    await tickets.add_comment(uow, ticket.id, "still not refunded", author_type="customer",
                              actor=f"customer:{ann.id}")
    reopened = await tickets.get_ticket(uow, ticket.id)
    assert reopened.status is TicketStatus.OPEN and reopened.solved_at is None
    await tickets.change_status(uow, ticket.id, TicketStatus.SOLVED, actor="agent:1")
    await tickets.change_status(uow, ticket.id, TicketStatus.CLOSED, actor="agent:1")
    with pytest.raises(InvalidTransition):
        await tickets.change_status(uow, ticket.id, TicketStatus.OPEN, actor="agent:1")

    view = await customers.customer_360(uow, ann.id)
    assert [o.number for o in view.recent_orders] == [order.number]
    assert view.open_tickets == []


async def test_customer_360_recent_orders_and_open_tickets(uow, policy) -> None:
    ann = await _customer(uow, tier="vip")
    numbers = [(await _order(uow, ann.id, sku=f"SKU-{i}", quantity=1)).number for i in range(12)]
    ticket = await tickets.create_ticket(uow, policy, tickets.NewTicket(
        customer_id=ann.id, subject="Where is it?"), actor="bot")
    assert ticket.priority is Priority.HIGH  # VIP boost over the default normal
    view = await customers.customer_360(uow, ann.id)
    assert len(view.recent_orders) == 10
    assert {o.number for o in view.recent_orders} <= set(numbers)
    assert [t.id for t in view.open_tickets] == [ticket.id]
    with pytest.raises(CustomerNotFound):
        await customers.customer_360(uow, 999_999)


async def test_argon2_runs_off_the_event_loop(uow, monkeypatch) -> None:
    """Hashing and verifying happen in a worker thread, so logins cannot stall chat."""
    import threading
    seen: list[str] = []
    real = agents._HASHER

    class Recording:
        def hash(self, password: str) -> str:
            seen.append(threading.current_thread().name)
            return real.hash(password)

        def verify(self, hashed: str, password: str) -> bool:
            seen.append(threading.current_thread().name)
            return real.verify(hashed, password)

        def check_needs_rehash(self, hashed: str) -> bool:
            return real.check_needs_rehash(hashed)

    monkeypatch.setattr(agents, "_HASHER", Recording())
    await agents.create_agent(uow, agents.NewAgent(
        email="lin@kefu.test", name="Lin", password="s3cret-enough", languages=["en"]),
        actor="system")
    await agents.authenticate(uow, "lin@kefu.test", "s3cret-enough")
    main = threading.main_thread().name
    assert len(seen) == 2 and main not in seen


async def test_agents_authenticate_with_argon2(uow) -> None:
    agent = await agents.create_agent(uow, agents.NewAgent(
        email="Mei@Kefu.test", name="Mei", password="s3cret-enough", languages=["zh", "en"],
        skills={"returns": 5, "billing": 2}, capacity={"web": 3, "voice": 1}), actor="system")
    assert agent.password_hash.startswith("$argon2")
    authed = await agents.authenticate(uow, "mei@kefu.test", "s3cret-enough")
    assert authed.id == agent.id and {s.skill: s.level for s in authed.skills} == {
        "billing": 2, "returns": 5}
    for email, password in [("mei@kefu.test", "wrong"), ("nobody@kefu.test", "s3cret-enough")]:
        with pytest.raises(InvalidCredentials):
            await agents.authenticate(uow, email, password)
    with pytest.raises(InvalidInput):
        await agents.create_agent(uow, agents.NewAgent(
            email="x@kefu.test", name="X", password="short"), actor="system")
    with pytest.raises(InvalidInput):
        await agents.create_agent(uow, agents.NewAgent(
            email="y@kefu.test", name="Y", password="long enough pw", skills={"a": 9}),
            actor="system")
    found = await agents.list_agents(uow, skill="returns", min_level=4)
    assert [a.id for a in found.items] == [agent.id]
    await agents.create_agent(uow, agents.NewAgent(
        email="en@kefu.test", name="En", password="long enough pw", languages=["en"]),
        actor="system")
    chinese = await agents.list_agents(uow, language="zh")
    assert [a.id for a in chinese.items] == [agent.id] and chinese.total == 1
    assert (await agents.list_agents(uow, language="en")).total == 2
    await agents.set_active(uow, agent.id, False, actor="system")
    with pytest.raises(InvalidCredentials):
        await agents.authenticate(uow, "mei@kefu.test", "s3cret-enough")


async def test_conversation_messages_handoff_and_csat(uow) -> None:
    ann = await _customer(uow)
    agent = await agents.create_agent(uow, agents.NewAgent(
        email="kai@kefu.test", name="Kai", password="correct horse"), actor="system")
    conv = await conversations.get_or_start_conversation(uow, "web-123", Channel.WEB,
                                                         language="en")
    same = await conversations.get_or_start_conversation(uow, "web-123", Channel.WEB)
    assert same.id == conv.id
    await conversations.append_message(uow, conv.id, MessageRole.CUSTOMER, "where is my order",
                                       intent="order_status", confidence=0.93, sentiment=-0.2)
    await conversations.append_message(uow, conv.id, MessageRole.BOT, "Which order?")
    with pytest.raises(InvalidInput):
        await conversations.append_message(uow, conv.id, MessageRole.BOT, "x", confidence=1.5)
    await conversations.link_customer(uow, conv.id, ann.id, actor="bot")
    queued = await conversations.hand_off(uow, conv.id, "low confidence", actor="bot")
    assert queued.status == "queued"
    with_agent = await conversations.assign_agent(uow, conv.id, agent.id, actor="system")
    assert with_agent.agent_id == agent.id
    msgs = await conversations.list_messages(uow, conv.id)
    assert [(m.role, m.intent) for m in msgs.items] == [("customer", "order_status"),
                                                        ("bot", None)]
    assert msgs.items[0].confidence == pytest.approx(0.93)
    await conversations.close_conversation(uow, conv.id, actor="system")
    rating = await csat.record_csat(uow, conv.id, 4, " quick ")
    assert rating.agent_id == agent.id and rating.comment == "quick"
    with pytest.raises(Conflict):
        await csat.record_csat(uow, conv.id, 5)
    with pytest.raises(InvalidInput):
        await csat.record_csat(uow, conv.id, 6)


async def test_unit_of_work_rolls_back_unless_committed(uow) -> None:
    from crm_core.models import Customer

    async with uow:
        uow.customers.add(Customer(name="Ghost", email="ghost@example.com"))
        await uow.flush()
    async with uow:
        assert await uow.customers.get_by_email("ghost@example.com") is None
        uow.customers.add(Customer(name="Real", email="real@example.com"))
        await uow.commit()
    async with uow:
        assert (await uow.customers.get_by_email("real@example.com")).name == "Real"
    with pytest.raises(RuntimeError):
        async with uow:
            async with uow:
                pass


async def test_database_constraints_become_conflicts(uow) -> None:
    """A race past the service checks (simulated by writing directly) is a 409, and
    foreign keys are enforced on SQLite too."""
    from crm_core.models import Customer, OrderLine

    async with uow:
        uow.customers.add(Customer(name="A", email="same@example.com"))
        await uow.commit()
    with pytest.raises(Conflict):
        async with uow:
            uow.customers.add(Customer(name="B", email="same@example.com"))
            await uow.commit()
    with pytest.raises(Conflict):
        async with uow:
            uow.orders.add(OrderLine(order_id=424242, product_id=1, quantity=1,
                                     unit_price=Decimal("1")))
            await uow.flush()


async def test_over_long_or_empty_input_is_invalid_not_a_database_error(uow, policy) -> None:
    ann = await _customer(uow)
    with pytest.raises(InvalidInput) as exc:
        await tickets.create_ticket(uow, policy, tickets.NewTicket(
            customer_id=ann.id, subject="x" * 301), actor="bot")
    assert exc.value.details == {"field": "subject", "max_length": 300, "length": 301}
    with pytest.raises(InvalidInput):
        await customers.create_customer(uow, customers.NewCustomer(name="  "), actor="system")
    with pytest.raises(InvalidInput):
        await customers.update_customer(uow, ann.id, customers.CustomerChanges(
            country="c" * 65), actor="system")
    # What the system writes itself is cut to fit rather than refused.
    conv = await conversations.start_conversation(uow, "s-1", Channel.VOICE)
    queued = await conversations.hand_off(uow, conv.id, "r" * 500, actor="bot")
    assert len(queued.handoff_reason) == 200


async def test_a_handoff_queues_the_conversation_and_opens_its_ticket_together(
        uow, policy) -> None:
    """One transaction (#18): both, or neither when the ticket cannot be opened."""
    ann = await _customer(uow)
    conv = await conversations.get_or_start_conversation(uow, "web-h1", Channel.WEB)
    with pytest.raises(CustomerNotFound):
        await tickets.create_ticket(uow, policy, tickets.NewTicket(
            customer_id=999_999, subject="Chat handoff", category="handoff",
            conversation_id=conv.id), actor="bot", reuse_open=True, handoff_reason="asked")
    again = await conversations.get_or_start_conversation(uow, "web-h1", Channel.WEB)
    assert again.id == conv.id and again.status == "bot"
    ticket = await tickets.create_ticket(uow, policy, tickets.NewTicket(
        customer_id=ann.id, subject="Chat handoff", category="handoff",
        conversation_id=conv.id), actor="bot", reuse_open=True, handoff_reason="asked")
    queued = await conversations.get_or_start_conversation(uow, "web-h1", Channel.WEB)
    assert queued.status == "queued" and queued.handoff_reason == "asked"
    # A second handoff of the same conversation: the same ticket, still one queue entry.
    second = await tickets.create_ticket(uow, policy, tickets.NewTicket(
        customer_id=ann.id, subject="Chat handoff", category="handoff",
        conversation_id=conv.id), actor="bot", reuse_open=True, handoff_reason="again")
    assert second.id == ticket.id
