"""``/api/v1/auth/login`` and ``/api/v1/agents``: sign-in, who am I, and (admins) managing
agent accounts. Supervisors see every agent; agents see themselves."""

from __future__ import annotations

from aiohttp import web

from bot.gateway import keys
from bot.gateway.api.common import actor, changes, render, render_page, unit_of_work
from bot.gateway.api.routes import Operation
from bot.gateway.api.schemas import (
    AgentCreate, AgentOut, AgentPatch, AgentQuery, LoginRequest, TokenOut,
)
from bot.gateway.api.validation import parse_body, parse_query, path_id
from bot.gateway.auth import current_principal
from bot.gateway.tokens import DEFAULT_AGENT_TTL, sign_agent_token
from crm_core.domain import AgentRole
from crm_core.errors import Unauthenticated
from crm_core.services import agents as service


async def login(request: web.Request) -> web.Response:
    """Exchange an agent's email and password for a bearer token (401 if wrong, 429
    ``login_locked`` after too many wrong passwords for the account)."""
    body = await parse_body(request, LoginRequest)
    secret = request.config_dict[keys.SETTINGS].secret_key
    if secret is None:
        raise Unauthenticated("This server has no secret key configured; agent sign-in is off.")
    agent = await service.authenticate(unit_of_work(request), body.email, body.password)
    token = sign_agent_token(agent.id, agent.role.value, secret, ttl=DEFAULT_AGENT_TTL,
                             version=agent.token_version)
    return render(TokenOut, {"access_token": token, "expires_in": DEFAULT_AGENT_TTL,
                             "agent": agent})


async def me(request: web.Request) -> web.Response:
    """The signed-in agent."""
    agent = await service.get_agent(unit_of_work(request), current_principal(request).agent_id)
    return render(AgentOut, agent)


async def list_agents(request: web.Request) -> web.Response:
    """Agents matching the filters, by id (all of them, active or not, unless filtered)."""
    query = parse_query(request, AgentQuery)
    page = await service.list_agents(unit_of_work(request), active=query.active,
                                     role=query.role, limit=query.limit, offset=query.offset)
    return render_page(AgentOut, page, query)


async def get_agent(request: web.Request) -> web.Response:
    """One agent with skills."""
    agent = await service.get_agent(unit_of_work(request), path_id(request, "agent_id"))
    return render(AgentOut, agent)


async def create_agent(request: web.Request) -> web.Response:
    """Create an agent account (409 if the email is taken)."""
    body = await parse_body(request, AgentCreate)
    data = body.model_dump()
    data["capacity"] = {str(channel): slots for channel, slots in data["capacity"].items()}
    agent = await service.create_agent(unit_of_work(request), service.NewAgent(**data),
                                       actor=actor(request))
    return render(AgentOut, agent, status=201)


async def patch_agent(request: web.Request) -> web.Response:
    """Change an agent's profile, role, password, skills or active flag. Admins cannot
    demote or disable themselves (422), so the last admin cannot lock everyone out.
    A new password or disabling revokes the agent's tokens; disabling also takes them
    out of the queue at once (their open console closes on its next check)."""
    agent_id = path_id(request, "agent_id")
    body = await parse_body(request, AgentPatch)
    agent = await service.update_agent(unit_of_work(request), agent_id,
                                       service.AgentChanges(**changes(body)),
                                       actor=actor(request),
                                       acting_agent_id=current_principal(request).agent_id)
    console = request.config_dict.get(keys.CONSOLE)
    if body.active is False and console is not None:
        await console.set_presence(agent_id, "offline")
    return render(AgentOut, agent)


_ID = r"/agents/{agent_id:\d+}"
OPERATIONS = [
    Operation("POST", "/auth/login", login, "Sign in: get a bearer token", "auth",
              least_role=None, body=LoginRequest, response=TokenOut, errors=(401, 429),
              description="Five wrong passwords for one account within 15 minutes lock it "
              "for a minute, twice as long after each further lockout (up to an hour): 429 "
              "`login_locked` with `Retry-After`, and no password is checked meanwhile."),
    Operation("GET", "/agents/me", me, "The signed-in agent", "agents", response=AgentOut),
    Operation("GET", "/agents", list_agents, "List agents", "agents",
              least_role=AgentRole.SUPERVISOR, query=AgentQuery, response=AgentOut,
              paginated=True),
    Operation("POST", "/agents", create_agent, "Create an agent", "agents",
              least_role=AgentRole.ADMIN, body=AgentCreate, response=AgentOut, status=201,
              errors=(409,)),
    Operation("GET", _ID, get_agent, "Get an agent", "agents",
              least_role=AgentRole.SUPERVISOR, response=AgentOut),
    Operation("PATCH", _ID, patch_agent, "Update an agent", "agents",
              least_role=AgentRole.ADMIN, body=AgentPatch, response=AgentOut,
              errors=(422,)),
]
