"""Shared fixtures: real SQLite files, a real PostgreSQL database, a real Redis.

With ``CI=true`` PostgreSQL and Redis must be reachable on localhost: tests that need them
fail rather than skip. Elsewhere they skip with the reason when the service is absent.
``KEFU_TEST_POSTGRES_URL`` / ``KEFU_TEST_REDIS_URL`` point the tests at other servers.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get(
    "KEFU_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# One fixed PII key for the whole test process (crm_core.crypto): CLI tests configure the
# keyring from settings, and every database the suite writes must stay readable after.
os.environ.setdefault("KEFU_PII_KEYS", "test1:" + "A" * 43)
REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"


def _service_missing(what: str, error: Exception) -> None:
    """Fail in CI (the service must be there), skip elsewhere, always saying why."""
    message = f"{what} not reachable ({type(error).__name__}: {error})"
    if IN_CI or os.environ.get("KEFU_TEST_REQUIRE_SERVICES"):
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(f"{message}; set CI=true with the service running to run this test")


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """Admin URL (plain libpq form) of a reachable PostgreSQL server."""
    import asyncpg

    async def probe() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        _service_missing("PostgreSQL at " + PG_ADMIN_URL, exc)
    return PG_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards (asyncpg URL)."""
    import asyncpg

    name = f"kefu_test_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(postgres_server_url, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = postgres_server_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield f"{base}/{name}"
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file for one test."""
    return f"sqlite+aiosqlite:///{tmp_path / 'kefu.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A reachable Redis (database 15), flushed before and after the test."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001
        await client.aclose()
        _service_missing("Redis at " + REDIS_URL, exc)
    await client.flushdb()
    yield REDIS_URL
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def shared_datasets() -> Path:
    """../shared/datasets, or a skip saying it is absent."""
    path = SHARED_DIR / "datasets"
    if not path.is_dir():
        pytest.skip(f"shared data sets not found at {path}")
    return path


@pytest.fixture(scope="session")
def nlu_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """kefu's default NLU pipeline trained once per session on config/nlu (a few seconds).

    Load it with ``bot.nlu.load_interpreter(nlu_model_dir)``. For an app built by
    ``create_app``, copy or symlink it to ``settings.data_dir / "models" / "nlu"`` so the
    gateway does not train its own.
    """
    from bot.nlu import train

    return train(out_dir=tmp_path_factory.mktemp("nlu") / "model")
