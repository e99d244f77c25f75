"""``/api/v1/customers/{id}/export`` and ``/erase``: a customer's right of access and
erasure, for admins only, both audited by the service (the same code as ``kefu customers
export`` / ``erase``).

Erasure cannot be undone, so the body must repeat the customer id (``{"confirm": 42}``):
a wrong or missing id is a 400, the API's form of the CLI's confirmation prompt.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel

from bot.gateway.api.common import actor, render, unit_of_work
from bot.gateway.api.routes import Operation
from bot.gateway.api.schemas import Id
from bot.gateway.api.validation import ApiModel, parse_body, path_id
from crm_core.domain import AgentRole
from crm_core.errors import InvalidInput
from crm_core.services import privacy


class CustomerExportOut(BaseModel):
    """Everything kefu holds on one customer, record by record (decrypted)."""

    customer: dict[str, Any]
    orders: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    conversations: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    dialogue_events: list[dict[str, Any]]
    csat_ratings: list[dict[str, Any]]
    audit: list[dict[str, Any]]


class ErasureRequest(ApiModel):
    """The customer id again, to confirm an erasure that cannot be undone."""

    confirm: Id


class ErasureOut(BaseModel):
    """How many records of each kind lost their personal data."""

    customer_id: int
    orders: int
    tickets: int
    conversations: int
    messages: int
    dialogue_events: int


async def export_customer(request: web.Request) -> web.Response:
    """The customer's data as JSON (audited as ``customer.export`` before it is sent)."""
    customer_id = path_id(request, "customer_id")
    data = await privacy.export_customer(unit_of_work(request), customer_id,
                                         actor=actor(request))
    return render(CustomerExportOut, data)


async def erase_customer(request: web.Request) -> web.Response:
    """Remove or pseudonymise the customer's personal data everywhere; orders and tickets
    stay for accounting, without it (audited as ``customer.erase``)."""
    customer_id = path_id(request, "customer_id")
    body = await parse_body(request, ErasureRequest)
    if body.confirm != customer_id:
        raise InvalidInput("to erase a customer, send their id as 'confirm'",
                           details={"confirm": "must equal the customer id in the path"})
    counts = await privacy.erase_customer(unit_of_work(request), customer_id,
                                          actor=actor(request))
    return render(ErasureOut, counts | {"customer_id": customer_id})


_ID = r"/customers/{customer_id:\d+}"
OPERATIONS = [
    Operation("GET", _ID + "/export", export_customer, "Export a customer's data", "privacy",
              least_role=AgentRole.ADMIN, response=CustomerExportOut,
              description="Right of access: everything kefu holds on the customer."),
    Operation("POST", _ID + "/erase", erase_customer, "Erase a customer's personal data",
              "privacy", least_role=AgentRole.ADMIN, body=ErasureRequest, response=ErasureOut,
              description="Right to erasure. Orders and tickets are kept without PII."),
]
