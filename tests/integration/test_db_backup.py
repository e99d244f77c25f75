"""``kefu db backup PATH`` / ``kefu db restore PATH`` round trip (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from crm_core.db import create_engine
from sqlalchemy import text


def _run(args: list[str], url: str, data_dir: Path):
    env = {"KEFU_DATABASE_URL": url, "KEFU_DATA_DIR": str(data_dir)}
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


async def _delete_all(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM customers"))
    finally:
        await engine.dispose()


async def _count(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT count(*) FROM customers"))).scalar_one()
    finally:
        await engine.dispose()


def test_backup_then_restore_brings_the_rows_back(database_url: str, tmp_path: Path) -> None:
    assert _run(["db", "upgrade"], database_url, tmp_path).exit_code == 0
    assert _run(["demo", "seed"], database_url, tmp_path).exit_code == 0
    before = asyncio.run(_count(database_url))
    dump = tmp_path / "kefu.backup"
    made = _run(["db", "backup", str(dump)], database_url, tmp_path)
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    asyncio.run(_delete_all(database_url))
    assert asyncio.run(_count(database_url)) == 0
    back = _run(["db", "restore", str(dump)], database_url, tmp_path)
    assert back.exit_code == 0, back.output
    assert asyncio.run(_count(database_url)) == before
    missing = _run(["db", "restore", str(tmp_path / "nope")], database_url, tmp_path)
    assert missing.exit_code == 1 and "no backup file" in missing.output
