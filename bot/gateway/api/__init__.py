"""kefu's REST API under ``/api/v1`` plus its OpenAPI document and docs page.

``setup_api(app)`` is the one call the composition root makes: it registers every
``Operation`` of the resource modules (each view wrapped in ``secured`` with its least role)
and serves ``/api/openapi.json`` and ``/api/docs``.
"""

from __future__ import annotations

from aiohttp import web

from bot.gateway.api.routes import Operation


def all_operations() -> list[Operation]:
    """Every REST operation, in documentation order."""
    from bot.gateway.api import (
        agents, articles, audit, customers, orders, privacy, products, tickets,
    )

    return [
        *agents.OPERATIONS, *customers.OPERATIONS, *products.OPERATIONS,
        *orders.OPERATIONS, *tickets.OPERATIONS, *audit.OPERATIONS, *privacy.OPERATIONS,
        *articles.OPERATIONS,
    ]


def setup_api(app: web.Application) -> None:
    """Register the REST API, ``/api/openapi.json`` and ``/api/docs`` on ``app``."""
    from bot.gateway import keys
    from bot.gateway.api.docs import setup_docs
    from bot.gateway.auth import scoped, secured
    from crm_core.policies import load_policy

    if keys.SLA_POLICY not in app:
        # Tickets' due times and the return window; a broken file fails start-up loudly.
        app[keys.SLA_POLICY] = load_policy(app[keys.SETTINGS].config_dir)
    operations = all_operations()
    for op in operations:
        handler = op.handler if op.owner is None else scoped(op.handler, op.owner)
        if op.least_role is not None:
            handler = secured(handler, op.least_role)
        app.router.add_route(op.method, op.full_path, handler, name=op.operation_id)
    setup_docs(app, operations)
    app.on_response_prepare.append(_bearer_challenge)


async def _bearer_challenge(request: web.Request, response: web.StreamResponse) -> None:
    """RFC 6750: a 401 from the API tells the client which scheme to use."""
    from bot.gateway.api.routes import API_PREFIX
    from bot.gateway.auth import WWW_AUTHENTICATE

    if response.status == 401 and request.path.startswith(API_PREFIX):
        response.headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
