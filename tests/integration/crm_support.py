"""Fixtures shared by the CRM integration tests: a migrated database and a unit of work.

Import them into a test module with ``from tests.integration.crm_support import *``.

Migrating costs about a second per database on this machine, so the first database of
each kind is migrated with ``crm_core.schema.upgrade`` and kept as a template; later tests
get a copy of it (a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL).
``test_crm_migrations.py`` migrates from empty every time.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.engine import make_url

from crm_core.db import create_engine, create_session_factory
from crm_core.policies import parse_policy
from crm_core.schema import upgrade
from crm_core.unit_of_work import SqlUnitOfWork

__all__ = ["crm_templates", "migrated_url", "uow", "policy", "cheap_argon2", "TEST_POLICY"]

TEST_POLICY = {
    "sla": {
        "default_priority": "normal",
        "priorities": {
            "urgent": {"first_response_minutes": 15, "resolution_minutes": 60},
            "high": {"first_response_minutes": 60, "resolution_minutes": 480},
            "normal": {"first_response_minutes": 240, "resolution_minutes": 2880},
            "low": {"first_response_minutes": 1440, "resolution_minutes": 10080},
        },
        "category_priority": {"payment": "high"},
        "tier_boost": {"vip": 1},
    },
    "orders": {"return_window_days": 30},
}


async def _pg_admin(database_url: str, *statements: str) -> None:
    import asyncpg

    admin = make_url(database_url).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=10)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def crm_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Migrated template databases by kind ("sqlite" path, "postgres" URL), dropped at exit."""
    templates: dict[str, str] = {}
    yield templates
    if "postgres" in templates:
        name = make_url(templates["postgres"]).database
        asyncio.run(_pg_admin(templates["postgres"],
                              f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def migrated_url(database_url: str, crm_templates: dict[str, str],
                       tmp_path_factory: pytest.TempPathFactory) -> str:
    """The parametrised database (SQLite and PostgreSQL), migrated to head."""
    url = make_url(database_url)
    kind = "sqlite" if url.get_backend_name() == "sqlite" else "postgres"
    if kind not in crm_templates:
        await upgrade(database_url)
        if kind == "sqlite":
            template = tmp_path_factory.mktemp("crm-template") / "kefu.sqlite3"
            shutil.copyfile(url.database, template)
            crm_templates[kind] = str(template)
        else:
            template = f"kefu_tmpl_{uuid.uuid4().hex[:10]}"
            await _pg_admin(database_url,
                            f'CREATE DATABASE "{template}" TEMPLATE "{url.database}"')
            crm_templates[kind] = url.set(database=template).render_as_string(False)
    elif kind == "sqlite":
        shutil.copyfile(crm_templates[kind], url.database)
    else:
        template = make_url(crm_templates[kind]).database
        await _pg_admin(database_url, f'DROP DATABASE "{url.database}" WITH (FORCE)',
                        f'CREATE DATABASE "{url.database}" TEMPLATE "{template}"')
    return database_url


@pytest.fixture
async def uow(migrated_url: str) -> AsyncIterator[SqlUnitOfWork]:
    """A unit of work on the migrated database."""
    engine = create_engine(migrated_url)
    yield SqlUnitOfWork(create_session_factory(engine))
    await engine.dispose()


@pytest.fixture
def policy():
    """A fixed SLA policy (numbers chosen by the test, not read from config)."""
    return parse_policy(TEST_POLICY)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, with the smallest cost parameters: the tests check the hashing
    flow, not its strength, and the default costs about half a second per hash here."""
    from argon2 import PasswordHasher

    from crm_core.services import agents

    monkeypatch.setattr(agents, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024,
                                                          parallelism=1))
