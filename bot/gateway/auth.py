"""Agent authentication for the REST API: bearer tokens in, a ``Principal`` on the request.

Roles are ordered ``agent < supervisor < admin``; a route declares the least role it needs
(see ``bot/gateway/api/routes.py``) and ``secured`` enforces it before the view runs. Views
that need a finer rule (only supervisors reassign a ticket) call ``require_role`` themselves.

The token proves who the agent is; their role, whether the account is still active and
its token version are read from the CRM on every request (one primary-key lookup of four
columns, ``AgentRepository.standing``), so disabling an agent, changing a role or a
password takes effect at once rather than when the token expires: a token signed with an
older version than the agent's is ``TokenRevoked`` (401).

What an agent may see beyond their role is the access rule of ``crm_core.services.access``:
``scoped`` applies it to a route whose path names a customer, order or ticket.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps

from aiohttp import web

from bot.gateway import keys
from bot.gateway.tokens import verify_agent_token
from crm_core.domain import AgentRole
from crm_core.domain.access import Viewer
from crm_core.errors import Forbidden, TokenRevoked, Unauthenticated

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
    # The token version the bearer's token was signed with.
    token_version: int = 0

    @property
    def viewer(self) -> Viewer:
        """This agent as the access rule sees them."""
        return Viewer(self.agent_id, self.role)

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
    return Principal(agent_id=claims.agent_id, role=role, token_version=claims.version)


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
    """The principal as the CRM knows it now: 401 if the agent is gone or disabled, or
    the token's version is not the agent's current one (revoked)."""
    return await recheck(request.config_dict, claimed)


async def recheck(app: web.Application, claimed: Principal) -> Principal:
    """``current_agent`` for callers holding the app rather than a request (the console
    WebSocket checks again on every frame)."""
    from crm_core.services import agents
    from crm_core.unit_of_work import SqlUnitOfWork

    standing = await agents.standing(SqlUnitOfWork(app[keys.SESSION_FACTORY]),
                                     claimed.agent_id)
    if standing is None:
        raise Unauthenticated("This agent account no longer exists.")
    if not standing.active:
        raise Unauthenticated("This agent account is disabled.")
    if claimed.token_version != standing.token_version:
        raise TokenRevoked()
    return Principal(agent_id=standing.agent_id, role=standing.role,
                     token_version=standing.token_version)


def secured(handler: Handler, least: AgentRole) -> Handler:
    """Wrap a view so it runs only for a valid token of an active agent whose role is
    ``least`` or above."""

    @wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        request[PRINCIPAL] = await current_agent(request, authenticate(request))
        require_role(request, least)
        return await handler(request)

    return wrapper


def scoped(handler: Handler, owner: str) -> Handler:
    """Wrap a secured view whose path names an ``owner`` ("customer", "order", "ticket")
    so it runs only when the signed-in agent may touch it (``crm_core.services.access``):
    403 ``out_of_scope`` otherwise, 404 when it does not exist."""
    from crm_core.services import access
    from crm_core.unit_of_work import SqlUnitOfWork

    check = access.CHECKS[owner]
    param = {"customer": "customer_id"}.get(owner, "number")

    @wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        uow = SqlUnitOfWork(request.config_dict[keys.SESSION_FACTORY])
        await check(uow, current_principal(request).viewer, request.match_info[param])
        return await handler(request)

    return wrapper
