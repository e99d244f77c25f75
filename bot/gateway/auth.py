"""Agent authentication for the REST API: bearer tokens in, a ``Principal`` on the request.

Roles are ordered ``agent < supervisor < admin``; a route declares the least role it needs
(see ``bot/gateway/api/routes.py``) and ``secured`` enforces it before the view runs. Views
that need a finer rule (only supervisors reassign a ticket) call ``require_role`` themselves.

The token proves who the agent is; their role and whether the account is still active are
read from the CRM on every request, so disabling an agent or changing a role takes effect
at once rather than when the token expires.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps

from aiohttp import web

from bot.gateway import keys
from bot.gateway.tokens import verify_agent_token
from crm_core.domain import AgentRole
from crm_core.errors import Forbidden, Unauthenticated

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ROLE_RANK: dict[AgentRole, int] = {
    AgentRole.AGENT: 1, AgentRole.SUPERVISOR: 2, AgentRole.ADMIN: 3,
}
# What a 401 tells the client to do, per RFC 6750.
WWW_AUTHENTICATE = 'Bearer realm="kefu"'


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in agent a request acts for."""

    agent_id: int
    role: AgentRole

    def has_role(self, least: AgentRole) -> bool:
        """True when this agent's role is ``least`` or above."""
        return ROLE_RANK[self.role] >= ROLE_RANK[least]


PRINCIPAL: web.RequestKey[Principal] = web.RequestKey("principal", Principal)


class MissingCredentials(Unauthenticated):
    """No ``Authorization: Bearer`` header was sent."""

    code = "unauthenticated"


def bearer_token(request: web.Request) -> str:
    """The token of ``Authorization: Bearer <token>``; 401 when absent or of another scheme."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingCredentials(
            "Send 'Authorization: Bearer <token>'; get a token from POST /api/v1/auth/login."
        )
    return token.strip()


def authenticate(request: web.Request) -> Principal:
    """Verify the request's bearer token against the app's secret key."""
    secret = request.config_dict[keys.SETTINGS].secret_key
    if secret is None:
        raise Unauthenticated("This server has no secret key configured; agent sign-in is off.")
    claims = verify_agent_token(bearer_token(request), secret)
    try:
        role = AgentRole(claims.role)
    except ValueError as exc:
        raise Unauthenticated("The token names an unknown role.") from exc
    return Principal(agent_id=claims.agent_id, role=role)


def current_principal(request: web.Request) -> Principal:
    """The principal ``secured`` stored on this request."""
    try:
        return request[PRINCIPAL]
    except KeyError as exc:  # a route registered without ``secured``: a programming error
        raise RuntimeError(f"{request.path} is not a secured route") from exc


def require_role(request: web.Request, least: AgentRole) -> Principal:
    """The request's principal if its role is ``least`` or above; ``Forbidden`` (403) if not."""
    principal = current_principal(request)
    if not principal.has_role(least):
        raise Forbidden(
            f"This needs the {least.value} role or above.",
            details={"required_role": least.value, "your_role": principal.role.value},
        )
    return principal


async def current_agent(request: web.Request, claimed: Principal) -> Principal:
    """The principal as the CRM knows it now: 401 if the agent is gone or disabled."""
    from crm_core.errors import AgentNotFound
    from crm_core.services import agents
    from crm_core.unit_of_work import SqlUnitOfWork

    uow = SqlUnitOfWork(request.config_dict[keys.SESSION_FACTORY])
    try:
        agent = await agents.get_agent(uow, claimed.agent_id)
    except AgentNotFound as exc:
        raise Unauthenticated("This agent account no longer exists.") from exc
    if not agent.active:
        raise Unauthenticated("This agent account is disabled.")
    return Principal(agent_id=agent.id, role=AgentRole(agent.role))


def secured(handler: Handler, least: AgentRole) -> Handler:
    """Wrap a view so it runs only for a valid token of an active agent whose role is
    ``least`` or above."""

    @wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        request[PRINCIPAL] = await current_agent(request, authenticate(request))
        require_role(request, least)
        return await handler(request)

    return wrapper
