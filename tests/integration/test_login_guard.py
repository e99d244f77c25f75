"""Agent sign-in counted per account on real SQLite and PostgreSQL (the identity-guard
table): lockouts double, a right password outside a lockout resets the count, the key is
a hash, and concurrent wrong guesses are all counted."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_core.errors import InvalidCredentials, LoginLocked
from crm_core.models import IdentityGuard
from crm_core.services import agents
from crm_core.services.login_guard import ACCOUNT, LoginPolicy
from tests.integration.crm_support import *

POLICY = LoginPolicy(max_failures=3, window=timedelta(minutes=15),
                     lockout=timedelta(seconds=60), max_lockout=timedelta(seconds=150))
PASSWORD = "the right pass phrase"


async def _agent(uow) -> None:
    await agents.create_agent(uow, agents.NewAgent(email="al@kefu.test", name="Al",
                                                   password=PASSWORD), actor="system")


async def _try(uow, password: str) -> str:
    try:
        await agents.authenticate(uow, "AL@kefu.test", password, policy=POLICY)
    except LoginLocked as exc:
        return f"locked:{exc.retry_after}"
    except InvalidCredentials:
        return "wrong"
    return "ok"


async def _row(uow) -> IdentityGuard:
    async with uow:
        return (await uow.session.scalars(select(IdentityGuard))).one()


async def _time_passes(uow) -> None:
    async with uow:
        row = (await uow.session.scalars(select(IdentityGuard))).one()
        row.locked_until = row.updated_at
        await uow.commit()


async def test_lockouts_double_up_to_the_cap_and_success_resets(uow) -> None:
    await _agent(uow)
    results = [await _try(uow, "wrong guess") for _ in range(4)]
    assert results[:3] == ["wrong"] * 3 and results[3].startswith("locked:")
    assert 55 <= int(results[3].split(":")[1]) <= 60
    row = await _row(uow)
    assert row.scope == ACCOUNT and "al@kefu.test" not in row.key_hash and row.lockouts == 1
    lengths = []
    for _ in range(3):
        await _time_passes(uow)
        for _ in range(3):
            await _try(uow, "wrong guess")
        row = await _row(uow)
        lengths.append(round((row.locked_until - row.updated_at).total_seconds()))
    assert lengths == [120, 150, 150]  # doubled, then capped
    await _time_passes(uow)
    assert await _try(uow, PASSWORD) == "ok"
    row = await _row(uow)
    assert (row.failures, row.lockouts, row.locked_until) == (0, 0, None)


async def test_concurrent_wrong_guesses_are_all_counted(uow) -> None:
    await _agent(uow)
    results = await asyncio.gather(*(_try(uow.__class__(uow._session_factory), "nope")
                                     for _ in range(3)))
    assert sorted(results) == ["wrong"] * 3
    assert (await _try(uow, PASSWORD)).startswith("locked:")


@pytest.mark.parametrize("password", ["wrong guess", PASSWORD])
async def test_disabled_agent_never_signs_in(uow, password: str) -> None:
    await _agent(uow)
    agent = await agents.authenticate(uow, "al@kefu.test", PASSWORD, policy=POLICY)
    await agents.set_active(uow, agent.id, False, actor="system")
    assert await _try(uow, password) == "wrong"
