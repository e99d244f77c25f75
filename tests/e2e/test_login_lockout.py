"""Per-account sign-in lockout, as an attacker meets it, through the real app on SQLite
and PostgreSQL: 300 wrong passwords for one account (from "many addresses": the
per-client limit is opened up here) are locked after 5, with 429 ``login_locked`` and
``Retry-After``; the right password is refused too while locked; other accounts sign in;
every failure and the lockout are audited without the email; refusals while locked write
nothing (so a flood cannot grow the audit log)."""

from __future__ import annotations

import copy
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from bot.gateway.app import create_app
from bot.settings import Settings
from crm_core.schema import upgrade
from tests.e2e.api_world import (  # noqa: F401 - fixtures used by name
    PASSWORD,
    SECRET,
    Api,
    World,
    data_dir_with_nlu,
    seed,
    seeded_sqlite_template,
)

LOGIN = "/api/v1/auth/login"
ATTEMPTS = 300
LIMIT = 5  # crm_core.services.login_guard.LoginPolicy.max_failures


@pytest.fixture
async def wide_open(aiohttp_client: Any, database_url: str, tmp_path: Path,
                    nlu_model_dir: Path, seeded_sqlite_template: tuple[Path, World]) -> Api:
    """The app with a per-client sign-in limit no single attacker address reaches, as if
    the guesses came from many addresses: only the per-account lockout is left."""
    data_dir = data_dir_with_nlu(tmp_path, nlu_model_dir)
    if database_url.startswith("sqlite"):
        path, world = seeded_sqlite_template
        target = tmp_path / "kefu-copy.sqlite3"
        shutil.copyfile(path, target)
        url, world = f"sqlite+aiosqlite:///{target}", copy.deepcopy(world)
    else:
        url = database_url
        await upgrade(url)
        world = await seed(url, Settings(database_url=url).config_dir)
    settings = Settings(database_url=url, secret_key=SECRET, data_dir=data_dir,
                        rate_limit_login="10000/minute", rate_limit_api="10000/minute")
    return Api(await aiohttp_client(create_app(settings)), world)


async def test_three_hundred_wrong_passwords_lock_the_account_after_five(
        wide_open: Api) -> None:
    api = wide_open
    wrong = {"email": "agent@kefu.test", "password": "not the password"}
    statuses, started = [], time.perf_counter()
    for _ in range(ATTEMPTS):
        resp = await api.client.post(LOGIN, json=wrong)
        statuses.append(resp.status)
        if resp.status == 429:
            body = await resp.json()
            assert body["error"]["code"] == "login_locked"
            assert 1 <= int(resp.headers["Retry-After"]) <= 60
    elapsed = time.perf_counter() - started
    assert statuses[:LIMIT] == [401] * LIMIT
    assert statuses[LIMIT:] == [429] * (ATTEMPTS - LIMIT)
    # No argon2 while locked: the 295 refusals are cheap.
    assert elapsed < 60, elapsed
    resp = await api.client.post(LOGIN, json=wrong | {"password": PASSWORD})
    assert resp.status == 429  # the right password proves nothing while locked
    resp = await api.client.post(LOGIN, json={"email": "agent2@kefu.test",
                                              "password": PASSWORD})
    assert resp.status == 200  # other accounts are not touched

    entries = await _all_login_audit(api)
    actions = [e.action for e in entries]
    assert actions.count("login.failed") == LIMIT
    assert actions.count("login.locked") == 1
    assert len(actions) == LIMIT + 1
    assert all("agent@kefu.test" not in str(e.details) + e.entity_id for e in entries)
    assert {e.details.get("agent_id") for e in entries} == {api.world.agents["agent"]}


async def _all_login_audit(api: Api) -> list[Any]:
    entries: list[Any] = []
    while True:
        page = await api.audit(entity="login", offset=len(entries))
        entries += page
        if len(page) < 200:
            return entries


async def test_unknown_email_locks_the_same_way(wide_open: Api) -> None:
    """A locked account and a locked non-account answer alike: no user enumeration."""
    guess = {"email": "nobody@kefu.test", "password": "whatever it is"}
    statuses = [(await wide_open.client.post(LOGIN, json=guess)).status for _ in range(8)]
    assert statuses == [401] * LIMIT + [429] * 3


async def test_the_per_client_limit_still_applies_first(aiohttp_client: Any, tmp_path: Path,
                                                        nlu_model_dir: Path,
                                                        seeded_sqlite_template) -> None:
    """With the default per-client limit (10 a minute) one address is slowed before it
    locks anyone out for long: 5 x 401, then the lockout, then the client limit."""
    path, world = seeded_sqlite_template
    target = tmp_path / "kefu-copy.sqlite3"
    shutil.copyfile(path, target)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{target}", secret_key=SECRET,
                        data_dir=data_dir_with_nlu(tmp_path, nlu_model_dir))
    client = await aiohttp_client(create_app(settings))
    wrong = {"email": "agent@kefu.test", "password": "not the password"}
    codes = []
    for _ in range(12):
        resp = await client.post(LOGIN, json=wrong)
        codes.append((resp.status, (await resp.json())["error"]["code"]))
    assert codes[:LIMIT] == [(401, "invalid_credentials")] * LIMIT
    assert codes[LIMIT:10] == [(429, "login_locked")] * (10 - LIMIT)
    assert codes[10:] == [(429, "too_many_requests")] * 2
