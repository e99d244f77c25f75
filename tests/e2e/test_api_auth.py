"""Sign-in, tokens on every route, and what each role may do."""

from __future__ import annotations

import pytest

from bot.gateway.tokens import sign_agent_token, sign_customer_token
from tests.e2e.api_world import (  # noqa: F401 - fixtures used by name
    PASSWORD, SECRET, Api, api, seeded_sqlite_template,
)


async def test_login_gives_a_token_that_works(api: Api) -> None:
    status, body = await api.call("POST", "/auth/login", who=None,
                                  json={"email": "Supervisor@kefu.test", "password": PASSWORD})
    assert status == 200, body
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    assert body["agent"]["role"] == "supervisor" and "password_hash" not in body["agent"]
    resp = await api.client.get("/api/v1/agents/me", headers={
        "Authorization": f"Bearer {body['access_token']}"})
    assert resp.status == 200
    assert (await resp.json())["email"] == "supervisor@kefu.test"


@pytest.mark.parametrize("body", [
    {"email": "agent@kefu.test", "password": "wrong password"},
    {"email": "nobody@kefu.test", "password": PASSWORD},
])
async def test_wrong_credentials_are_401_without_saying_which(api: Api, body: dict) -> None:
    status, reply = await api.call("POST", "/auth/login", who=None, json=body)
    assert status == 401
    assert reply["error"]["code"] == "invalid_credentials"


async def test_login_body_is_validated(api: Api) -> None:
    status, body = await api.call("POST", "/auth/login", who=None,
                                  json={"email": "agent@kefu.test"})
    assert status == 400
    assert body["error"]["details"] == {"password": "Field required"}


@pytest.mark.parametrize("path", ["/customers", "/orders", "/tickets", "/products",
                                  "/agents/me", "/tickets/T-1/comments"])
async def test_every_route_needs_a_token(api: Api, path: str) -> None:
    resp = await api.client.get("/api/v1" + path)
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "unauthenticated"
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="kefu"'


async def test_bad_expired_and_customer_tokens_are_401(api: Api) -> None:
    agent_id = api.world.agents["admin"]
    other_secret = "another-secret-0123456789abcdefxyz"
    for token in ["not-a-token", sign_agent_token(agent_id, "admin", other_secret),
                  sign_customer_token(agent_id, SECRET)]:
        resp = await api.client.get("/api/v1/customers",
                                    headers={"Authorization": f"Bearer {token}"})
        assert resp.status == 401
        assert (await resp.json())["error"]["code"] == "invalid_token"


@pytest.mark.parametrize(("who", "method", "path", "body", "allowed"), [
    ("agent", "GET", "/agents", None, False),
    ("supervisor", "GET", "/agents", None, True),
    ("agent", "POST", "/products", {"sku": "X-1", "name": "X", "price": "1.00"}, False),
    ("supervisor", "POST", "/products", {"sku": "X-1", "name": "X", "price": "1.00"}, False),
    ("admin", "POST", "/products", {"sku": "X-1", "name": "X", "price": "1.00"}, True),
    ("supervisor", "POST", "/agents", {"email": "n@kefu.test", "name": "N",
                                       "password": "long enough pw"}, False),
    ("admin", "POST", "/agents", {"email": "n@kefu.test", "name": "N",
                                  "password": "long enough pw"}, True),
])
async def test_roles_limit_what_an_agent_may_do(api: Api, who: str, method: str, path: str,
                                                body: dict | None, allowed: bool) -> None:
    status, reply = await api.call(method, path, who=who, json=body)
    if allowed:
        assert status in (200, 201), reply
    else:
        assert status == 403, reply
        assert reply["error"]["code"] == "forbidden"


async def test_admin_manages_agents(api: Api) -> None:
    status, created = await api.call("POST", "/agents", who="admin", json={
        "email": "New@Kefu.test", "name": "New Person", "password": "long enough pw",
        "role": "agent", "skills": {"returns": 4}, "capacity": {"web": 3}})
    assert status == 201, created
    assert created["email"] == "new@kefu.test"
    assert created["skills"] == [{"skill": "returns", "level": 4}]
    status, _ = await api.call("POST", "/agents", who="admin", json={
        "email": "new@kefu.test", "name": "Again", "password": "long enough pw"})
    assert status == 409
    path = f"/agents/{created['id']}"
    status, patched = await api.call("PATCH", path, who="admin", json={"active": False})
    assert status == 200 and patched["active"] is False
    status, reply = await api.call("POST", "/auth/login", who=None,
                                   json={"email": "new@kefu.test", "password": "long enough pw"})
    assert status == 401
    status, reply = await api.call("PATCH", path, who="admin", json={"colour": "red"})
    assert status == 400 and "colour" in reply["error"]["details"]


async def test_admin_changes_role_and_password(api: Api) -> None:
    path = f"/agents/{api.world.agents['agent2']}"
    status, body = await api.call("PATCH", path, who="admin", json={
        "role": "supervisor", "languages": ["en", "zh"],
        "skills": {"returns": 5}, "capacity": {"voice": 1}})
    assert status == 200, body
    assert (body["role"], body["languages"], body["capacity"]) == (
        "supervisor", ["en", "zh"], {"voice": 1})
    assert body["skills"] == [{"skill": "returns", "level": 5}]
    # The new role applies to tokens issued before the change.
    status, _ = await api.call("GET", "/agents", who="agent2")
    assert status == 200
    # A new password revokes every token signed before it.
    status, body = await api.call("PATCH", path, who="admin",
                                  json={"password": "a brand new secret"})
    assert status == 200, body
    status, body = await api.call("GET", "/agents/me", who="agent2")
    assert status == 401 and body["error"]["code"] == "token_revoked"
    status, _ = await api.call("POST", "/auth/login", who=None,
                               json={"email": "agent2@kefu.test", "password": PASSWORD})
    assert status == 401
    status, _ = await api.call("POST", "/auth/login", who=None,
                               json={"email": "agent2@kefu.test",
                                     "password": "a brand new secret"})
    assert status == 200
    entries = await api.audit(entity="agent", entity_id=api.world.agents["agent2"])
    assert entries[0].details["password"] == "changed"
    assert "a brand new secret" not in str(entries[0].details)


@pytest.mark.parametrize("change", [{"active": False}, {"role": "agent"}])
async def test_admins_cannot_lock_themselves_out(api: Api, change: dict) -> None:
    status, body = await api.call("PATCH", f"/agents/{api.world.agents['admin']}",
                                  who="admin", json=change)
    assert status == 422 and body["error"]["code"] == "self_lockout"
    status, body = await api.call("PATCH", f"/agents/{api.world.agents['admin']}",
                                  who="admin", json={"role": None})
    assert status == 400


async def test_supervisor_lists_agents(api: Api) -> None:
    status, page = await api.call("GET", "/agents?role=agent", who="supervisor")
    assert status == 200
    assert page["total"] == 2 and {a["role"] for a in page["items"]} == {"agent"}
    status, _ = await api.call("GET", "/agents/999999", who="supervisor")
    assert status == 404


async def test_disabling_an_agent_revokes_their_token_at_once(api: Api) -> None:
    status, _ = await api.call("GET", "/agents/me", who="agent2")
    assert status == 200
    status, _ = await api.call("PATCH", f"/agents/{api.world.agents['agent2']}", who="admin",
                               json={"active": False})
    assert status == 200
    status, body = await api.call("GET", "/agents/me", who="agent2")
    assert status == 401 and "disabled" in body["error"]["message"]


async def test_role_comes_from_the_crm_not_the_token(api: Api) -> None:
    # A token claiming "admin" for a plain agent (as after a demotion) gets agent rights.
    token = sign_agent_token(api.world.agents["agent"], "admin", SECRET)
    resp = await api.client.get("/api/v1/agents", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 403
    token = sign_agent_token(987654, "admin", SECRET)
    resp = await api.client.get("/api/v1/agents", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 401
