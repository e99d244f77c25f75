"""``/api/v1/audit``: who did or saw what (admins only)."""

from __future__ import annotations

from aiohttp import web

from bot.gateway.api.common import render_page, unit_of_work
from bot.gateway.api.routes import Operation
from bot.gateway.api.schemas import AuditOut, AuditQuery
from bot.gateway.api.validation import parse_query
from crm_core.domain import AgentRole
from crm_core.services import audit as service


async def list_audit(request: web.Request) -> web.Response:
    """Audit entries matching the filters, newest first."""
    query = parse_query(request, AuditQuery)
    page = await service.list_entries(unit_of_work(request), entity=query.entity,
                                      entity_id=query.entity_id, actor=query.actor,
                                      limit=query.limit, offset=query.offset)
    return render_page(AuditOut, page, query)


OPERATIONS = [
    Operation("GET", "/audit", list_audit, "Read the audit log", "audit",
              least_role=AgentRole.ADMIN, query=AuditQuery, response=AuditOut, paginated=True),
]
