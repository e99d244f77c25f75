"""Small helpers every resource view shares: the unit of work, the actor, rendering,
recording a view of customer data."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import partial
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from bot.gateway import keys
from bot.gateway.api.validation import PageQuery, page_body
from bot.gateway.auth import current_principal
from crm_core.repositories import Page
from crm_core.services import audit
from crm_core.unit_of_work import SqlUnitOfWork


# UTF-8 on the wire: Chinese names stay readable instead of \uXXXX escapes.
_dumps = partial(json.dumps, ensure_ascii=False)


def unit_of_work(request: web.Request) -> SqlUnitOfWork:
    """A fresh unit of work on the app's database."""
    return SqlUnitOfWork(request.config_dict[keys.SESSION_FACTORY])


def held_by(request: web.Request) -> int | None:
    """The bound of the signed-in agent's listings: their id for agents (only customers
    they hold), None for supervisors and admins (``crm_core.domain.access``)."""
    return current_principal(request).viewer.held_by


def actor(request: web.Request) -> str:
    """How the audit log names the signed-in agent, e.g. ``"agent:7"``."""
    return audit.agent_actor(current_principal(request).agent_id)


def render(model: type[BaseModel], obj: Any, status: int = 200) -> web.Response:
    """``obj`` (a row, dataclass or dict) rendered as ``model`` JSON."""
    data = model.model_validate(obj).model_dump(mode="json")
    return web.json_response(data, status=status, dumps=_dumps)


def render_page(model: type[BaseModel], page: Page[Any], query: PageQuery) -> web.Response:
    """A repository ``Page`` rendered as ``{"items", "total", "limit", "offset"}`` (plus
    ``next_cursor`` for lists that take a cursor)."""
    items = [model.model_validate(item).model_dump(mode="json") for item in page.items]
    return web.json_response(page_body(items, page.total, query, page.next_cursor),
                             dumps=_dumps)


def changes(patch: BaseModel) -> dict[str, Any]:
    """Only the fields the client actually sent (``null`` included, omitted left out)."""
    return patch.model_dump(exclude_unset=True)


async def audit_view(request: web.Request, action: str, entity: str, entity_id: object,
                     details: dict[str, Any] | None = None) -> None:
    """Record that the signed-in agent looked at customer data (before it is sent)."""
    await audit.record_view(unit_of_work(request), actor(request), action, entity, entity_id,
                            details)


async def audit_list_view(request: web.Request, action: str, entity: str,
                          entity_ids: Iterable[object],
                          details: dict[str, Any] | None = None) -> None:
    """Record a list page per record it shows (one entry per customer), before it is sent."""
    await audit.record_list_view(unit_of_work(request), actor(request), action, entity,
                                 entity_ids, details)
