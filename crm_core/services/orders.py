"""Orders: lookups scoped to their customer, and the changes customers ask for, each
checked by the rules in ``crm_core.domain.rules`` and written to the audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm_core.domain import rules
from crm_core.domain.enums import OrderStatus
from crm_core.domain.policy import SlaPolicy
from crm_core.errors import (
    CustomerNotFound,
    InvalidInput,
    OrderNotFound,
    OutOfStock,
    ProductNotFound,
)
from crm_core.models import Order, OrderLine, utcnow
from crm_core.repositories import Page
from crm_core.services import audit, checks
from crm_core.unit_of_work import UnitOfWork

ORDER_NUMBER_PREFIX = "KF-"
# Order numbers are "KF-" + (id + this), so the first one is KF-100001.
_ORDER_NUMBER_OFFSET = 100_000


def order_number(order_id: int) -> str:
    """The public number of the order with this id."""
    return f"{ORDER_NUMBER_PREFIX}{order_id + _ORDER_NUMBER_OFFSET}"


@dataclass(frozen=True, slots=True)
class NewOrderLine:
    """A product (by SKU) and a quantity to order."""

    sku: str
    quantity: int


async def load_order(uow: UnitOfWork, number: str, customer_id: int | None) -> Order:
    """Inside an open unit of work: the order (lines loaded), scoped to ``customer_id`` when
    given (a stranger's order is 'not found')."""
    order = (await uow.orders.get_for_customer(number, customer_id) if customer_id is not None
             else await uow.orders.get_by_number(number))
    if order is None:
        raise OrderNotFound(number)
    return order


async def get_order(uow: UnitOfWork, number: str, *, customer_id: int | None = None) -> Order:
    """The order with its lines; with ``customer_id`` only if it is theirs (the bot must
    always pass it). ``OrderNotFound`` otherwise."""
    async with uow:
        return await load_order(uow, number, customer_id)


async def get_order_by_id(uow: UnitOfWork, order_id: int) -> Order:
    """The order with this id and its lines (staff); ``OrderNotFound`` if none."""
    async with uow:
        order = await uow.orders.get(order_id)
    if order is None:
        raise OrderNotFound(order_id)
    return order


async def list_orders(uow: UnitOfWork, *, customer_id: int | None = None,
                      status: OrderStatus | None = None, placed_from: datetime | None = None,
                      placed_to: datetime | None = None, limit: int = 50,
                      offset: int = 0, cursor: str | None = None,
                      held_by: int | None = None) -> Page[Order]:
    """Orders matching the filters, newest first (lines not loaded); ``held_by`` keeps
    orders of customers that agent holds. Pages by ``offset`` or by the ``next_cursor``
    of the previous page."""
    async with uow:
        return await uow.orders.list(customer_id=customer_id, status=status,
                                     placed_from=placed_from, placed_to=placed_to,
                                     limit=limit, offset=offset, cursor=cursor,
                                     held_by=held_by)


async def place_order(uow: UnitOfWork, customer_id: int, lines: list[NewOrderLine],
                      shipping_address: str, *, actor: str, currency: str = "USD") -> Order:
    """Create a pending order at current prices and reserve stock.

    ``InvalidInput`` for no lines or a quantity < 1, ``ProductNotFound`` for an unknown SKU,
    ``RuleViolation`` (code ``out_of_stock``) when stock is short."""
    address = checks.text("shipping_address", shipping_address, 2000, required=True)
    if not lines or any(line.quantity < 1 for line in lines):
        raise InvalidInput("an order needs at least one line, each with quantity >= 1",
                           details={"field": "lines"})
    async with uow:
        if await uow.customers.get(customer_id) is None:
            raise CustomerNotFound(customer_id)
        # A unique placeholder until the id (and so the public number) is known.
        order = Order(number=uuid.uuid4().hex, customer_id=customer_id,
                      status=OrderStatus.PENDING, currency=currency,
                      shipping_address=address, placed_at=utcnow(), lines=[])
        total = Decimal("0")
        for line in lines:
            product = await uow.products.get_by_sku(line.sku)
            if product is None:
                raise ProductNotFound(line.sku)
            if product.stock < line.quantity:
                raise OutOfStock(line.sku, product.stock, line.quantity)
            product.stock -= line.quantity
            order.lines.append(OrderLine(product_id=product.id, quantity=line.quantity,
                                         unit_price=product.price))
            total += product.price * line.quantity
        order.total = total
        uow.orders.add(order)
        await uow.flush()
        order.number = order_number(order.id)
        audit.record(uow, actor, "order.place", "order", order.number, {"total": str(total)})
        await uow.commit()
        return await load_order(uow, order.number, None)


async def cancel_order(uow: UnitOfWork, number: str, *, actor: str,
                       customer_id: int | None = None, reason: str | None = None) -> Order:
    """Cancel an order that has not shipped; stock goes back.
    ``OrderNotCancellable`` (422) once shipped."""
    async with uow:
        order = await load_order(uow, number, customer_id)
        rules.check_can_cancel(order.number, order.status)
        for line in order.lines:
            line.product.stock += line.quantity
        previous = order.status
        order.status, order.cancelled_at = OrderStatus.CANCELLED, utcnow()
        audit.record(uow, actor, "order.cancel", "order", order.number,
                     {"from": str(previous), "reason": reason})
        await uow.commit()
    return order


async def change_shipping_address(uow: UnitOfWork, number: str, address: str, *, actor: str,
                                  customer_id: int | None = None) -> Order:
    """Change where an order goes, only before it ships (``AddressChangeNotAllowed``)."""
    address = checks.text("address", address, 2000, required=True)
    async with uow:
        order = await load_order(uow, number, customer_id)
        rules.check_can_change_address(order.number, order.status)
        old, order.shipping_address = order.shipping_address, address
        audit.record(uow, actor, "order.change_address", "order", order.number,
                     {"from": old, "to": address})
        await uow.commit()
    return order


async def request_return(uow: UnitOfWork, policy: SlaPolicy, number: str, *, actor: str,
                         customer_id: int | None = None, reason: str | None = None,
                         now: datetime | None = None) -> Order:
    """Return a delivered order within ``policy.return_window_days`` of delivery
    (``ReturnNotAllowed`` otherwise, details say why and the deadline)."""
    now = now or utcnow()
    async with uow:
        order = await load_order(uow, number, customer_id)
        rules.check_can_return(order.number, order.status, order.delivered_at, now,
                               policy.return_window_days)
        order.status, order.returned_at, order.return_reason = (
            OrderStatus.RETURNED, now, checks.text("reason", reason, 2000))
        audit.record(uow, actor, "order.return", "order", order.number, {"reason": reason})
        await uow.commit()
    return order


async def advance_order(uow: UnitOfWork, number: str, target: OrderStatus, *, actor: str,
                        tracking_number: str | None = None,
                        now: datetime | None = None) -> Order:
    """Move an order along its lifecycle (paid, shipped with a tracking number, delivered);
    ``InvalidTransition`` for a move the lifecycle does not allow. Staff and integrations."""
    target, now = OrderStatus(target), now or utcnow()
    if target in (OrderStatus.CANCELLED, OrderStatus.RETURNED):
        raise InvalidInput(f"use the cancel / return operations to set {target}",
                           details={"field": "status", "value": str(target)})
    async with uow:
        order = await load_order(uow, number, None)
        rules.check_order_transition(order.number, order.status, target)
        previous, order.status = order.status, target
        stamp = {OrderStatus.PAID: "paid_at", OrderStatus.SHIPPED: "shipped_at",
                 OrderStatus.DELIVERED: "delivered_at"}[target]
        setattr(order, stamp, now)
        if tracking_number:
            order.tracking_number = tracking_number.strip()
        audit.record(uow, actor, f"order.{target}", "order", order.number,
                     {"from": str(previous), "tracking_number": order.tracking_number})
        await uow.commit()
    return order
