"""Supervisor pages of the console (supervisor and admin roles; agents get 403).

``GET /console/api/staffing`` — required vs planned agents per 30-minute interval from the
CRM's conversation history (forecast -> Erlang C -> shift plan); query ``service_level``
(0.8), ``answer_within`` (20 s), ``shrinkage`` (0.3), ``days`` (7), ``shift_hours`` (8),
``timezone`` (UTC). ``GET /console/api/staffing/chart.png`` — the same plan as a PNG.
422 ``history_too_thin`` when the CRM has too little history, 422
``shift_plan_infeasible`` when no plan fits.

``GET /console/api/reports/service`` — the service report (``from``, ``to`` as YYYY-MM-DD,
default the last 30 days; ``by`` = all|total|day|channel|agent|team);
``.../service.csv`` downloads it, ``.../service.png`` is its daily chart. Report views and
exports are written to the audit log (they name agents).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiohttp import web

from bot.gateway import keys
from bot.gateway.auth import current_principal, secured
from bot.gateway.console import reports
from crm_core.domain.enums import AgentRole

if TYPE_CHECKING:
    from crm_core.analytics.service import ServiceReport


def _reports(request: web.Request) -> reports.SupervisorReports:
    return request.config_dict[keys.SUPERVISOR_REPORTS]


async def staffing(request: web.Request) -> web.Response:
    """The staffing plan as JSON (inputs, per-interval figures, shifts, text table)."""
    query = reports.staffing_query(request.query)
    view = await _reports(request).staffing(query)
    return web.json_response(reports.staffing_json(view, query))


async def staffing_chart(request: web.Request) -> web.Response:
    """The staffing plan's chart: required vs planned agents per interval (PNG)."""
    view = await _reports(request).staffing(reports.staffing_query(request.query))
    return web.Response(body=view.png, content_type="image/png",
                        headers={"Cache-Control": "no-store"})


async def _report(request: web.Request,
                  action: str) -> tuple[reports.ReportQuery, ServiceReport]:
    query = reports.report_query(request.query, datetime.now(UTC).date())
    report = await _reports(request).service_report(query)
    await _audit(request, action, query)
    return query, report


async def _audit(request: web.Request, action: str, query: reports.ReportQuery) -> None:
    from crm_core.services import audit
    from crm_core.unit_of_work import SqlUnitOfWork

    uow = SqlUnitOfWork(request.config_dict[keys.SESSION_FACTORY])
    async with uow:
        audit.record(uow, f"agent:{current_principal(request).agent_id}", action,
                     "service_report", f"{query.start.isoformat()}..{query.end.isoformat()}",
                     {"by": query.by})
        await uow.commit()


async def service_report(request: web.Request) -> web.Response:
    """The service report as JSON: rows per dimension and key, handoff reasons."""
    from crm_core.analytics.service import COLUMNS

    query, report = await _report(request, "report.view")
    return web.json_response({
        "from": query.start.isoformat(), "to": query.end.isoformat(), "by": query.by,
        "columns": list(COLUMNS), "rows": reports.report_rows(report, query.by),
        "handoff_reasons": report.handoff_reasons})


async def service_report_csv(request: web.Request) -> web.Response:
    """The service report as a CSV download."""
    query, report = await _report(request, "report.export")
    name = f"service-report-{query.start.isoformat()}-{query.end.isoformat()}.csv"
    return web.Response(text=reports.report_csv(report, query.by), content_type="text/csv",
                        charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})


async def service_report_chart(request: web.Request) -> web.Response:
    """The service report's daily chart (PNG)."""
    query = reports.report_query(request.query, datetime.now(UTC).date())
    report = await _reports(request).service_report(query)
    return web.Response(body=await reports.report_png(report), content_type="image/png",
                        headers={"Cache-Control": "no-store"})


def add_routes(app: web.Application) -> None:
    """Mount the supervisor pages' API (supervisor role or above)."""
    least = AgentRole.SUPERVISOR
    app.router.add_get("/console/api/staffing", secured(staffing, least))
    app.router.add_get("/console/api/staffing/chart.png", secured(staffing_chart, least))
    app.router.add_get("/console/api/reports/service", secured(service_report, least))
    app.router.add_get("/console/api/reports/service.csv", secured(service_report_csv, least))
    app.router.add_get("/console/api/reports/service.png", secured(service_report_chart, least))
