"""Wire the queue and the console into the app: ``setup_console(app)``.

One cleanup_ctx builds the router (Redis backend when ``redis_url`` is set, else
in-process), the live-chat hub (a Redis stream with ``redis_url``), the console service and ``QueueHandoff`` at
``keys.HANDOFF_SINK``, and runs the routing loop (offer timeouts, dispatch) in the
background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from aiohttp import web

from bot.gateway import keys

if TYPE_CHECKING:
    from routing.live import LiveChatHub
    from routing.router import Router

log = logging.getLogger(__name__)


def _load_canned(app: web.Application) -> list[dict[str, str]]:
    import yaml

    path = app[keys.SETTINGS].config_dir / "console.yml"
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [{"title": str(c["title"]), "text": str(c["text"])}
            for c in data.get("canned_responses", [])]


async def routing_ctx(app: web.Application) -> AsyncIterator[None]:
    """Router, hub, console service and handoff sink for the app's lifetime."""
    from bot.gateway.console.reports import SupervisorReports
    from bot.gateway.console.service import ConsoleService
    from crm_core.unit_of_work import SqlUnitOfWork
    from routing.config import load_config
    from routing.live import LiveChatHub
    from routing.router import Router

    settings = app[keys.SETTINGS]
    config = load_config(settings.config_dir / "routing.yml")
    if settings.redis_url:
        from routing.redis_store import RedisStore

        store = RedisStore(settings.redis_url)
    else:
        from routing.memory import InMemoryStore

        store = InMemoryStore()
    router = Router(store, config)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(app[keys.SESSION_FACTORY])

    if settings.redis_url:  # several workers: customers and agents may be on different ones
        from routing.live_redis import RedisLiveChatHub

        hub: LiveChatHub = RedisLiveChatHub(settings.redis_url,
                                            csat_recorder=_csat_recorder(uow))
        await hub.start()
    else:
        hub = LiveChatHub(csat_recorder=_csat_recorder(uow))
    app[keys.ROUTER] = router
    app[keys.LIVE_CHAT] = hub
    app[keys.CONSOLE] = ConsoleService(router, hub, uow, lambda: app[keys.SLA_POLICY],
                                       recommender=lambda: app.get(keys.RECOMMENDER))
    app[keys.SUPERVISOR_REPORTS] = SupervisorReports(
        lambda: app[keys.DB_ENGINE], satisfied_at_least=_satisfied_at_least(app))
    app[keys.CANNED_RESPONSES] = _load_canned(app)
    app[keys.HANDOFF_SINK] = _queue_handoff(app, router, hub, uow)
    try:
        await app[keys.CONSOLE].load_roster()
    except Exception:  # noqa: BLE001 - no schema yet (fresh install): agents load on sign-in
        log.warning("agent roster not loaded into the queue", exc_info=True)
    loop_task = asyncio.create_task(router.run(interval=1.0))
    presence_task = asyncio.create_task(_customers_present(router, hub))
    yield
    for task in (loop_task, presence_task):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if settings.redis_url:
        await hub.stop()  # type: ignore[attr-defined]
    await store.close()


async def _customers_present(router: Router, hub: LiveChatHub) -> None:
    """Every few seconds: customers with an open chat on this worker are still there (each
    worker stamps its own sockets; the queue store is shared)."""
    gone_after = router.config.customer_gone_seconds
    if gone_after is None:
        return
    while True:
        await asyncio.sleep(min(30.0, gone_after / 3))
        try:
            if senders := hub.connected_customers():
                await router.seen(senders)
        except Exception:  # noqa: BLE001 - presence is advisory; routing goes on
            log.warning("could not stamp connected customers", exc_info=True)


def _satisfied_at_least(app: web.Application) -> int:
    """The CSAT score's "satisfied" threshold from config/analytics.yml (4 without it)."""
    from crm_core.analytics.settings import load_config
    from crm_core.errors import InvalidInput

    try:
        return load_config(app[keys.SETTINGS].config_dir).service.satisfied_at_least
    except InvalidInput:
        log.warning("no usable analytics.yml: CSAT counts ratings >= 4 as satisfied")
        return 4


def _csat_recorder(uow):  # noqa: ANN001, ANN202
    async def record(session, score: int, comment: str | None) -> None:  # noqa: ANN001
        from crm_core.services import csat

        if session.conversation_id:
            await csat.record_csat(uow(), session.conversation_id, score, comment)
    return record


def _queue_handoff(app: web.Application, router, hub, uow):  # noqa: ANN001, ANN202
    from bot.dialogue.handoff import TicketHandoffSink
    from routing.queue_handoff import QueueHandoff

    async def tier(customer_id: int) -> str | None:
        from crm_core.errors import CustomerNotFound
        from crm_core.services import customers

        try:
            return str((await customers.get_customer(uow(), customer_id)).tier)
        except CustomerNotFound:
            return None

    async def ticket_id(number: str) -> int | None:
        from crm_core.services import tickets

        return (await tickets.get_ticket_by_number(uow(), number)).id

    async def value(customer_id: int) -> float:
        from crm_core.analytics.insight import priority_signals

        return (await priority_signals(uow(), [customer_id])).get(customer_id, 0.0)

    tickets = TicketHandoffSink(uow, lambda: app[keys.SLA_POLICY])
    return QueueHandoff(router, ticket_sink=tickets, tier_lookup=tier, hub=hub,
                        ticket_lookup=ticket_id, value_lookup=value)


def setup_console(app: web.Application) -> None:
    """Register the routing cleanup_ctx and the console routes."""
    from bot.gateway.console import supervisor_views
    from bot.gateway.console.views import add_routes

    app.cleanup_ctx.append(routing_ctx)
    add_routes(app)
    supervisor_views.add_routes(app)  # staffing and service-report pages
