"""Role ordering and bearer-header parsing, without a server."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bot.gateway import keys
from bot.gateway.auth import PRINCIPAL, Principal, authenticate, bearer_token, require_role
from bot.gateway.tokens import sign_agent_token, sign_customer_token
from bot.settings import Settings
from crm_core.domain import AgentRole
from crm_core.errors import Forbidden, Unauthenticated

SECRET = "unit-test-secret-0123456789abcdef"


def request_with(headers: dict[str, str], secret: str | None = SECRET) -> web.Request:
    app = web.Application()
    app[keys.SETTINGS] = Settings(database_url="sqlite+aiosqlite:///x.db", secret_key=secret)
    return make_mocked_request("GET", "/api/v1/customers", headers=headers, app=app)


@pytest.mark.parametrize(("role", "least", "allowed"), [
    (AgentRole.AGENT, AgentRole.AGENT, True),
    (AgentRole.AGENT, AgentRole.SUPERVISOR, False),
    (AgentRole.SUPERVISOR, AgentRole.AGENT, True),
    (AgentRole.SUPERVISOR, AgentRole.ADMIN, False),
    (AgentRole.ADMIN, AgentRole.SUPERVISOR, True),
    (AgentRole.ADMIN, AgentRole.ADMIN, True),
])
def test_roles_are_ordered(role: AgentRole, least: AgentRole, allowed: bool) -> None:
    assert Principal(1, role).has_role(least) is allowed


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer   ", "Basic abc", "Token abc"])
def test_missing_or_other_scheme_is_unauthenticated(header: str) -> None:
    with pytest.raises(Unauthenticated):
        bearer_token(request_with({"Authorization": header} if header else {}))


def test_scheme_is_case_insensitive() -> None:
    assert bearer_token(request_with({"Authorization": "bearer abc.def"})) == "abc.def"


def test_authenticate_reads_agent_and_role() -> None:
    token = sign_agent_token(9, "supervisor", SECRET)
    principal = authenticate(request_with({"Authorization": f"Bearer {token}"}))
    assert principal == Principal(9, AgentRole.SUPERVISOR)


def test_customer_token_is_not_an_agent_token() -> None:
    token = sign_customer_token(9, SECRET)
    with pytest.raises(Unauthenticated):
        authenticate(request_with({"Authorization": f"Bearer {token}"}))


def test_unknown_role_in_a_validly_signed_token_is_rejected() -> None:
    token = sign_agent_token(9, "overlord", SECRET)
    with pytest.raises(Unauthenticated):
        authenticate(request_with({"Authorization": f"Bearer {token}"}))


def test_no_secret_configured_means_no_sign_in() -> None:
    token = sign_agent_token(9, "admin", SECRET)
    with pytest.raises(Unauthenticated):
        authenticate(request_with({"Authorization": f"Bearer {token}"}, secret=None))


def test_require_role_says_what_was_needed() -> None:
    request = request_with({})
    request[PRINCIPAL] = Principal(2, AgentRole.AGENT)
    with pytest.raises(Forbidden) as info:
        require_role(request, AgentRole.ADMIN)
    assert info.value.details == {"required_role": "admin", "your_role": "agent"}
    assert require_role(request, AgentRole.AGENT).agent_id == 2
