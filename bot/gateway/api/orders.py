"""``/api/v1/orders``: list, get, and the changes customers ask agents for (cancel, new
address, return), each checked by the order rules in ``crm_core`` (422 when refused)."""

from __future__ import annotations

from aiohttp import web

from bot.gateway import keys
from bot.gateway.api.common import (
    actor, audit_list_view, audit_view, held_by, render, render_page, unit_of_work,
)
from bot.gateway.api.routes import Operation
from bot.gateway.api.schemas import (
    AddressChange, CancelRequest, OrderDetailOut, OrderOut, OrderQuery, ReturnRequest,
)
from bot.gateway.api.validation import parse_body, parse_query
from crm_core.services import orders as service


async def list_orders(request: web.Request) -> web.Response:
    """Orders matching every given filter, newest first (for agents: of the customers
    they hold)."""
    query = parse_query(request, OrderQuery)
    page = await service.list_orders(
        unit_of_work(request), customer_id=query.customer_id, status=query.status,
        limit=query.limit, offset=query.offset, cursor=query.cursor, held_by=held_by(request))
    await audit_list_view(request, "order.list", "customer",
                          (o.customer_id for o in page.items),
                          query.model_dump(exclude_defaults=True) | {"returned": len(page.items)})
    return render_page(OrderOut, page, query)


async def get_order(request: web.Request) -> web.Response:
    """One order with its lines."""
    order = await service.get_order(unit_of_work(request), request.match_info["number"])
    await audit_view(request, "order.view", "order", order.number,
                     {"customer_id": order.customer_id})
    return render(OrderDetailOut, order)


async def cancel_order(request: web.Request) -> web.Response:
    """Cancel an order that has not shipped yet (422 ``order_not_cancellable`` after)."""
    body = await parse_body(request, CancelRequest, optional=True)
    order = await service.cancel_order(
        unit_of_work(request), request.match_info["number"], actor=actor(request),
        reason=body.reason)
    return render(OrderDetailOut, order)


async def change_address(request: web.Request) -> web.Response:
    """Change the shipping address before shipping (422 ``address_change_not_allowed``)."""
    body = await parse_body(request, AddressChange)
    order = await service.change_shipping_address(
        unit_of_work(request), request.match_info["number"], body.shipping_address,
        actor=actor(request))
    return render(OrderDetailOut, order)


async def return_order(request: web.Request) -> web.Response:
    """Return a delivered order within the return window (422 ``return_not_allowed``)."""
    body = await parse_body(request, ReturnRequest)
    order = await service.request_return(
        unit_of_work(request), request.config_dict[keys.SLA_POLICY],
        request.match_info["number"], actor=actor(request), reason=body.reason)
    return render(OrderDetailOut, order)


_NUMBER = "/orders/{number}"
OPERATIONS = [
    Operation("GET", "/orders", list_orders, "List orders", "orders", query=OrderQuery,
              response=OrderOut, paginated=True),
    Operation("GET", _NUMBER, get_order, "Get an order", "orders", response=OrderDetailOut,
              errors=(403, 404), owner="order"),
    Operation("POST", _NUMBER + "/cancel", cancel_order, "Cancel an order", "orders",
              body=CancelRequest, body_optional=True, response=OrderDetailOut,
              errors=(403, 404, 422), owner="order",
              description="Cancel an order that has not shipped yet; stock goes back. "
              "The body (a reason) may be omitted. 422 `order_not_cancellable` once shipped."),
    Operation("POST", _NUMBER + "/address", change_address, "Change the shipping address",
              "orders", body=AddressChange, response=OrderDetailOut, errors=(403, 404, 422),
              owner="order"),
    Operation("POST", _NUMBER + "/return", return_order, "Return a delivered order",
              "orders", body=ReturnRequest, response=OrderDetailOut, errors=(403, 404, 422),
              owner="order"),
]
