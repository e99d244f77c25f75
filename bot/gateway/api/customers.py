"""``/api/v1/customers``: list with filters, get, create, patch, and the customer 360 view.

Every read of a customer's data by an agent is written to the audit log.
"""

from __future__ import annotations

from aiohttp import web

from bot.gateway.api.common import (
    actor, audit_list_view, audit_view, changes, held_by, render, render_page, unit_of_work,
)
from bot.gateway.api.routes import Operation
from bot.gateway.api.schemas import (
    Customer360Out, CustomerCreate, CustomerOut, CustomerPatch, CustomerQuery,
)
from bot.gateway.api.validation import parse_body, parse_query, path_id
from crm_core.services import customers as service


async def list_customers(request: web.Request) -> web.Response:
    """Customers matching every given filter, by id (for agents: those they hold)."""
    query = parse_query(request, CustomerQuery)
    page = await service.list_customers(
        unit_of_work(request), name=query.name, email=query.email, phone=query.phone,
        country=query.country, tier=query.tier, limit=query.limit, offset=query.offset,
        cursor=query.cursor, held_by=held_by(request))
    await audit_list_view(request, "customer.list", "customer", (c.id for c in page.items),
                          query.model_dump(exclude_defaults=True) | {"returned": len(page.items)})
    return render_page(CustomerOut, page, query)


async def get_customer(request: web.Request) -> web.Response:
    """One customer's profile."""
    customer_id = path_id(request, "customer_id")
    customer = await service.get_customer(unit_of_work(request), customer_id)
    await audit_view(request, "customer.view", "customer", customer_id)
    return render(CustomerOut, customer)


async def customer_360(request: web.Request) -> web.Response:
    """Profile, the last 10 orders (newest first) and every open ticket of one customer."""
    customer_id = path_id(request, "customer_id")
    view = await service.customer_360(unit_of_work(request), customer_id)
    await audit_view(request, "customer.view_360", "customer", customer_id)
    return render(Customer360Out, view)


async def create_customer(request: web.Request) -> web.Response:
    """Create a customer; 409 if the email is taken."""
    body = await parse_body(request, CustomerCreate)
    customer = await service.create_customer(
        unit_of_work(request), service.NewCustomer(**body.model_dump()), actor=actor(request))
    return render(CustomerOut, customer, status=201)


async def patch_customer(request: web.Request) -> web.Response:
    """Change the given fields (omitted or ``null`` fields stay as they are)."""
    customer_id = path_id(request, "customer_id")
    body = await parse_body(request, CustomerPatch)
    customer = await service.update_customer(
        unit_of_work(request), customer_id, service.CustomerChanges(**changes(body)),
        actor=actor(request))
    return render(CustomerOut, customer)


_ID = r"/customers/{customer_id:\d+}"
OPERATIONS = [
    Operation("GET", "/customers", list_customers, "List customers", "customers",
              query=CustomerQuery, response=CustomerOut, paginated=True),
    Operation("POST", "/customers", create_customer, "Create a customer", "customers",
              body=CustomerCreate, response=CustomerOut, status=201, errors=(409,)),
    Operation("GET", _ID, get_customer, "Get a customer", "customers", response=CustomerOut,
              owner="customer", errors=(403,)),
    Operation("PATCH", _ID, patch_customer, "Update a customer", "customers",
              body=CustomerPatch, response=CustomerOut, errors=(403, 409), owner="customer"),
    Operation("GET", _ID + "/360", customer_360, "Customer 360: profile, orders, tickets",
              "customers", response=Customer360Out, owner="customer", errors=(403,)),
]
