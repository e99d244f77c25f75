"""Migrations from empty on SQLite and PostgreSQL; the migrated schema matches the models;
the server's schema check refuses empty databases with the fixing command."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from crm_core.db import create_engine
from crm_core.errors import SchemaOutOfDate, ServiceUnavailable
from crm_core.models import Base
from crm_core.schema import (
    current_revision,
    downgrade,
    ensure_current,
    head_revision,
    upgrade,
)


async def _diff(url: str) -> list:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata))
    finally:
        await engine.dispose()


async def test_upgrade_from_empty_matches_models(database_url: str) -> None:
    assert await current_revision(database_url) is None
    with pytest.raises(SchemaOutOfDate) as exc:
        await ensure_current(database_url)
    assert "kefu db upgrade" in exc.value.message
    assert exc.value.details == {"current": None, "head": head_revision()}

    assert await upgrade(database_url) == head_revision()
    assert await ensure_current(database_url) == head_revision()
    assert await _diff(database_url) == []
    # Upgrading again is a no-op.
    assert await upgrade(database_url) == head_revision()


async def test_downgrade_to_base_then_up_again(sqlite_url: str) -> None:
    await upgrade(sqlite_url)
    assert await downgrade(sqlite_url, "base") is None
    with pytest.raises(SchemaOutOfDate):
        await ensure_current(sqlite_url)
    assert await upgrade(sqlite_url) == head_revision()


async def test_unreachable_database_is_service_unavailable() -> None:
    with pytest.raises(ServiceUnavailable) as exc:
        await ensure_current("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    assert not isinstance(exc.value, SchemaOutOfDate)
    assert "cannot reach" in exc.value.message


def test_serve_exits_with_the_fix_on_an_empty_database(sqlite_url: str, tmp_path,
                                                       capsys) -> None:
    from bot.gateway.serve import check_schema
    from bot.settings import Settings

    settings = Settings(database_url=sqlite_url, data_dir=tmp_path)
    with pytest.raises(SystemExit) as exc:
        check_schema(settings)
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "run `kefu db upgrade`" in err and "Traceback" not in err


async def test_a_revision_from_newer_code_is_not_called_out_of_date(sqlite_url: str) -> None:
    from sqlalchemy import text

    await upgrade(sqlite_url)
    engine = create_engine(sqlite_url)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    await engine.dispose()
    with pytest.raises(ServiceUnavailable) as exc:
        await ensure_current(sqlite_url)
    assert not isinstance(exc.value, SchemaOutOfDate)
    assert "upgrade kefu" in exc.value.message and exc.value.details["current"] == "f00dfeed"
