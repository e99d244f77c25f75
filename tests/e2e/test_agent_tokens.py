"""Token revocation through the real app, on SQLite and PostgreSQL: a token signed
before a password change or before the agent was disabled is 401 at once; a role change
keeps tokens working (the role is read from the CRM)."""

from __future__ import annotations

from typing import Any

from tests.e2e.api_world import (  # noqa: F401 - fixtures used by name
    PASSWORD,
    Api,
    api_on_both,
    seeded_sqlite_template,
)

NEW_PASSWORD = "a fresh pass phrase"


async def _login(api: Api, email: str, password: str) -> tuple[int, Any]:
    resp = await api.client.post("/api/v1/auth/login",
                                 json={"email": email, "password": password})
    return resp.status, await resp.json()


async def _me(api: Api, token: str) -> tuple[int, Any]:
    resp = await api.client.get("/api/v1/agents/me",
                                headers={"Authorization": f"Bearer {token}"})
    return resp.status, await resp.json()


async def test_password_change_revokes_earlier_tokens(api_on_both: Api) -> None:
    api = api_on_both
    status, body = await _login(api, "agent2@kefu.test", PASSWORD)
    assert status == 200
    old = body["access_token"]
    assert (await _me(api, old))[0] == 200
    status, _ = await api.call("PATCH", f"/agents/{api.world.agents['agent2']}", who="admin",
                               json={"password": NEW_PASSWORD})
    assert status == 200
    status, body = await _me(api, old)
    assert status == 401 and body["error"]["code"] == "token_revoked"
    status, body = await _login(api, "agent2@kefu.test", NEW_PASSWORD)
    assert status == 200
    assert (await _me(api, body["access_token"]))[0] == 200


async def test_disable_revokes_and_reenabling_does_not_bring_old_tokens_back(
        api_on_both: Api) -> None:
    api = api_on_both
    path = f"/agents/{api.world.agents['agent2']}"
    _, body = await _login(api, "agent2@kefu.test", PASSWORD)
    old = body["access_token"]
    assert (await api.call("PATCH", path, who="admin", json={"active": False}))[0] == 200
    status, body = await _me(api, old)
    assert status == 401 and "disabled" in body["error"]["message"]
    assert (await _login(api, "agent2@kefu.test", PASSWORD))[0] == 401
    assert (await api.call("PATCH", path, who="admin", json={"active": True}))[0] == 200
    status, body = await _me(api, old)
    assert status == 401 and body["error"]["code"] == "token_revoked"
    status, body = await _login(api, "agent2@kefu.test", PASSWORD)
    assert status == 200 and (await _me(api, body["access_token"]))[0] == 200


async def test_role_change_keeps_the_token(api_on_both: Api) -> None:
    api = api_on_both
    _, body = await _login(api, "agent2@kefu.test", PASSWORD)
    token = body["access_token"]
    status, _ = await api.call("PATCH", f"/agents/{api.world.agents['agent2']}", who="admin",
                               json={"role": "supervisor"})
    assert status == 200
    status, me = await _me(api, token)
    assert status == 200 and me["role"] == "supervisor"
