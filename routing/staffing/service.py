"""Entry point for the supervisor page: the week's plan and its chart from the CRM.

The agent console calls ``supervisor_plan`` from an aiohttp handler; forecasting, the
Erlang sweep, the CBC solve and the PNG all block, so they run in a worker thread.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from routing.staffing.history import check_history, load_history
from routing.staffing.planning import ShiftOptions, build_plan, forecast_history
from routing.staffing.report import SupervisorView, supervisor_view
from routing.staffing.required import StaffingTarget

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


async def supervisor_plan(database_url: str | AsyncEngine, target: StaffingTarget | None = None,
                          options: ShiftOptions | None = None, *, timezone: str = "UTC",
                          model: str = "kefu.seasonal_mean.v1", start: object = None,
                          days: int = 7, interval_minutes: int = 30,
                          min_history_days: int = 0, min_history_contacts: int = 1,
                          history_weeks: int | None = None) -> SupervisorView:
    """Plan (data, text table, PNG bytes) for ``days`` days from the CRM's history
    (``database_url`` or the server's open engine).

    Raises ``HistoryTooThin`` (422) when the history has fewer than
    ``min_history_contacts`` conversations or spans fewer than ``min_history_days`` days,
    ``InvalidInput`` (bad options) or ``InfeasiblePlan`` (a ``RuleViolation``), which the
    gateway maps to 400 / 422. The solver's time limit is ``options.limits``'.
    ``history_weeks`` forecasts from the last weeks of history only (bounds the work).
    """
    target = target or StaffingTarget(answer_within=20, service_level=0.8)
    history = await load_history(database_url, timezone=timezone, last_weeks=history_weeks)
    check_history(history, min_days=min_history_days, min_contacts=min_history_contacts)

    def work() -> SupervisorView:
        forecast, _ = forecast_history(history, interval_minutes=interval_minutes, model=model,
                                       start=start,
                                       periods=days * 24 * 60 // interval_minutes)
        return supervisor_view(build_plan(forecast, target, options))

    return await asyncio.to_thread(work)
