"""The console's supervisor pages as a service: the staffing plan and the service report.

Views (``supervisor_views.py``) parse the query with ``staffing_query`` / ``report_query``
and call one method here. Heavy work (forecast, Erlang sweep, the CBC solve, the PNG
charts) runs in a worker thread; staffing plans are bounded in time (``SOLVE_SECONDS`` for
the solver, one plan at a time per worker) and kept ``CACHE_SECONDS`` so the page's table
and chart requests share one solve.
"""

from __future__ import annotations

import asyncio
import io
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from crm_core.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from crm_core.analytics.service import ServiceReport
    from routing.staffing.report import SupervisorView

# The seasonal forecast averages each half hour of the week: less than a week of history
# leaves whole weekdays unknown, so the page says so instead of planning from it.
MIN_HISTORY_DAYS = 7
MIN_HISTORY_CONVERSATIONS = 20
SOLVE_SECONDS = 10.0
# Weeks of history the forecast reads (before the newest conversation): recent enough to
# follow the business, and a bound on the rows a big CRM hands over per plan.
HISTORY_WEEKS = 12
CACHE_SECONDS = 60.0
MAX_REPORT_DAYS = 366
DEFAULT_REPORT_DAYS = 30


@dataclass(frozen=True)
class StaffingQuery:
    """What the supervisor may choose on the staffing page (validated by ``staffing_query``)."""

    service_level: float = 0.8     # fraction answered within ``answer_within``
    answer_within: float = 20.0    # seconds
    shrinkage: float = 0.3         # share of paid time away from contacts
    days: int = 7
    shift_hours: float = 8.0
    timezone: str = "UTC"


_STAFFING_FIELDS = tuple(StaffingQuery.__dataclass_fields__)


def _number(query: Mapping[str, str], field: str, default: float, low: float, high: float,
            *, low_open: bool, what: str) -> float:
    raw = query.get(field)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    in_range = (value > low if low_open else value >= low) and value <= high
    if math.isnan(value) or not in_range:
        raise InvalidInput(f"{field} must be {what}, got {raw!r}",
                           details={"field": field, "value": raw})
    return value


def staffing_query(query: Mapping[str, str]) -> StaffingQuery:
    """Validate the staffing page's query string; ``InvalidInput`` (400) naming the field."""
    unknown = sorted(set(query) - set(_STAFFING_FIELDS))
    if unknown:
        raise InvalidInput(f"unknown parameter(s) {', '.join(unknown)}",
                           details={"unknown": unknown, "allowed": sorted(_STAFFING_FIELDS)})
    level = _number(query, "service_level", 0.8, 0.0, 0.999, low_open=True,
                    what="a fraction above 0 and at most 0.999 (e.g. 0.8 for 80%)")
    within = _number(query, "answer_within", 20.0, 0.0, 3600.0, low_open=True,
                     what="seconds above 0 and at most 3600")
    shrinkage = _number(query, "shrinkage", 0.3, 0.0, 0.9, low_open=False,
                        what="a fraction from 0 to 0.9 (e.g. 0.3 for 30%)")
    days = _number(query, "days", 7, 1, 14, low_open=False, what="a whole number of days, 1 to 14")
    hours = _number(query, "shift_hours", 8.0, 2.0, 12.0, low_open=False,
                    what="hours from 2 to 12 in half hours (e.g. 8 or 7.5)")
    if days != int(days):
        raise InvalidInput("days must be a whole number of days, 1 to 14",
                           details={"field": "days", "value": query.get("days")})
    if hours * 2 != int(hours * 2):
        raise InvalidInput("shift_hours must be a multiple of half an hour",
                           details={"field": "shift_hours", "value": query.get("shift_hours")})
    zone = (query.get("timezone") or "UTC").strip()
    _check_timezone(zone)
    return StaffingQuery(level, within, shrinkage, int(days), hours, zone)


def _check_timezone(zone: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown timezone {zone!r} (use an IANA name such as "
                           "Asia/Shanghai)", details={"field": "timezone", "value": zone}) from exc


@dataclass(frozen=True)
class ReportQuery:
    """The service report's period (inclusive UTC days) and which rows to show."""

    start: date
    end: date
    by: str = "all"


def report_query(query: Mapping[str, str], today: date) -> ReportQuery:
    """Validate ``from``, ``to`` (YYYY-MM-DD, default the last 30 days) and ``by``."""
    from crm_core.analytics.service import DIMENSIONS

    allowed = {"from", "to", "by"}
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise InvalidInput(f"unknown parameter(s) {', '.join(unknown)}",
                           details={"unknown": unknown, "allowed": sorted(allowed)})
    end = _date(query, "to") or today
    start = _date(query, "from") or end - timedelta(days=DEFAULT_REPORT_DAYS - 1)
    if start > end:
        raise InvalidInput("from must not be after to",
                           details={"from": start.isoformat(), "to": end.isoformat()})
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise InvalidInput(f"the period is longer than {MAX_REPORT_DAYS} days",
                           details={"from": start.isoformat(), "to": end.isoformat(),
                                    "max_days": MAX_REPORT_DAYS})
    by = query.get("by") or "all"
    if by != "all" and by not in DIMENSIONS:
        raise InvalidInput(f"by must be one of all, {', '.join(DIMENSIONS)}",
                           details={"field": "by", "value": by})
    return ReportQuery(start, end, by)


def _date(query: Mapping[str, str], field: str) -> date | None:
    raw = (query.get(field) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a date as YYYY-MM-DD, got {raw!r}",
                           details={"field": field, "value": raw}) from exc


class SupervisorReports:
    """Staffing plans and service reports from the CRM the server is connected to."""

    def __init__(self, engine: Callable[[], AsyncEngine], *, satisfied_at_least: int = 4,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._satisfied = satisfied_at_least
        self._clock = clock
        self._lock = asyncio.Lock()
        self._plans: dict[StaffingQuery, tuple[float, SupervisorView]] = {}

    async def staffing(self, query: StaffingQuery) -> SupervisorView:
        """The plan for ``query`` (cached ``CACHE_SECONDS``); ``HistoryTooThin`` (422) when
        the CRM has too little history, ``InfeasiblePlan`` (422) when no plan fits."""
        async with self._lock:  # one solve at a time per worker; later callers hit the cache
            now = self._clock()
            self._plans = {k: v for k, v in self._plans.items() if now - v[0] < CACHE_SECONDS}
            cached = self._plans.get(query)
            if cached is not None:
                return cached[1]
            view = await self._plan(query)
            self._plans[query] = (self._clock(), view)
            return view

    async def _plan(self, query: StaffingQuery) -> SupervisorView:
        from routing.staffing.planning import ShiftOptions
        from routing.staffing.required import StaffingTarget
        from routing.staffing.service import supervisor_plan
        from routing.staffing.shifts import PlanLimits

        target = StaffingTarget(query.answer_within, query.service_level,
                                shrinkage=query.shrinkage)
        options = ShiftOptions(lengths_hours=(query.shift_hours,),
                               limits=PlanLimits(time_limit_seconds=SOLVE_SECONDS))
        return await supervisor_plan(
            self._engine(), target, options, timezone=query.timezone, days=query.days,
            start=_next_monday(query.timezone) if query.days == 7 else _tomorrow(query.timezone),
            min_history_days=MIN_HISTORY_DAYS, min_history_contacts=MIN_HISTORY_CONVERSATIONS,
            history_weeks=HISTORY_WEEKS)

    async def service_report(self, query: ReportQuery) -> ServiceReport:
        """The crm_core.analytics service report for the period."""
        from crm_core.analytics.service import service_report

        async with self._engine().connect() as conn:
            return await service_report(conn, query.start, query.end,
                                        satisfied_at_least=self._satisfied)


def staffing_json(view: SupervisorView, query: StaffingQuery) -> dict[str, Any]:
    """The page's JSON: the inputs, the plan's figures per interval and the text table."""
    return {"inputs": asdict(query), **view.as_dict(), "table": view.table,
            "min_history": {"days": MIN_HISTORY_DAYS,
                            "conversations": MIN_HISTORY_CONVERSATIONS}}


def report_rows(report: ServiceReport, by: str) -> list[dict[str, Any]]:
    """The report's rows, only those of one dimension unless ``by`` is ``all``."""
    return [r for r in report.rows if by == "all" or r["dimension"] == by]


def report_csv(report: ServiceReport, by: str) -> str:
    """The rows as CSV (``crm_core.analytics.service.COLUMNS``), as ``kefu analytics report
    --format csv`` prints them."""
    frame = report.frame()
    if by != "all":
        frame = frame[frame["dimension"] == by]
    return frame.to_csv(index=False)


async def report_png(report: ServiceReport) -> bytes:
    """The report's daily chart (conversations, containment, CSAT) as PNG bytes."""
    from crm_core.analytics.service import save_chart

    def draw() -> bytes:
        buffer = io.BytesIO()
        save_chart(report, buffer)
        return buffer.getvalue()

    return await asyncio.to_thread(draw)


def _local_today(zone: str) -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(UTC).astimezone(ZoneInfo(zone)).date()


def _tomorrow(zone: str) -> str:
    return (_local_today(zone) + timedelta(days=1)).isoformat()


def _next_monday(zone: str) -> str:
    """A week's plan starts on the coming Monday, so it wraps round like the real week."""
    today = _local_today(zone)
    return (today + timedelta(days=7 - today.weekday())).isoformat()
