"""The access rule applied (``crm_core.domain.access``): may this agent touch this
customer, order or ticket? The one place the REST API (and the console) ask.

Refusals are ``OutOfScope`` (403, ``out_of_scope``). Something that does not exist is
still ``*NotFound`` (404): customer ids and order numbers are not secrets to staff, and a
403 that names the rule tells an agent why, where a 404 would send them looking for a
typo. Listings are bounded instead of refused: see ``Viewer.held_by``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from crm_core.domain.access import Viewer
from crm_core.errors import CustomerNotFound, OrderNotFound, OutOfScope, TicketNotFound
from crm_core.unit_of_work import UnitOfWork


async def may_see_customer(uow: UnitOfWork, viewer: Viewer, customer_id: int) -> bool:
    """True when ``viewer`` sees every customer or holds this one."""
    if viewer.sees_all:
        return True
    async with uow:
        return await uow.agents.holds_customer(viewer.agent_id, customer_id)


async def check_customer(uow: UnitOfWork, viewer: Viewer, customer_id: int) -> None:
    """``CustomerNotFound`` if there is no such customer, ``OutOfScope`` if the agent
    does not hold them."""
    if viewer.sees_all:
        return
    async with uow:
        exists = await uow.customers.get(customer_id) is not None
        held = exists and await uow.agents.holds_customer(viewer.agent_id, customer_id)
    if not exists:
        raise CustomerNotFound(customer_id)
    if not held:
        raise OutOfScope("customer", customer_id)


async def check_order(uow: UnitOfWork, viewer: Viewer, number: str) -> None:
    """``OrderNotFound`` if there is no such order, ``OutOfScope`` if the agent does not
    hold its customer."""
    if viewer.sees_all:
        return
    async with uow:
        order = await uow.orders.get_by_number(number)
        held = order is not None and await uow.agents.holds_customer(viewer.agent_id,
                                                                     order.customer_id)
    if order is None:
        raise OrderNotFound(number)
    if not held:
        raise OutOfScope("order", number)


async def check_ticket(uow: UnitOfWork, viewer: Viewer, number: str) -> None:
    """``TicketNotFound`` if there is no such ticket, ``OutOfScope`` unless it is
    unassigned (the shared queue, open to every agent) or of a customer the agent holds."""
    if viewer.sees_all:
        return
    async with uow:
        ticket = await uow.tickets.get_by_number(number)
        held = ticket is not None and (
            ticket.assignee_id is None
            or await uow.agents.holds_customer(viewer.agent_id, ticket.customer_id))
    if ticket is None:
        raise TicketNotFound(number)
    if not held:
        raise OutOfScope("ticket", number)


Check = Callable[[UnitOfWork, Viewer, str], Awaitable[None]]


# Row ids are 32-bit: a larger one names no customer (and must not overflow PostgreSQL).
_MAX_ID = 2**31 - 1


async def _customer_by_key(uow: UnitOfWork, viewer: Viewer, key: str) -> None:
    if not key.isdigit() or int(key) > _MAX_ID:
        raise CustomerNotFound(key)
    await check_customer(uow, viewer, int(key))


# What a path parameter names -> its check; ``Operation.owner`` picks one by name.
CHECKS: dict[str, Check] = {
    "customer": _customer_by_key, "order": check_order, "ticket": check_ticket,
}
