"""Schema migrations as functions: upgrade to head, read the current revision, and refuse
to run on a database that is not at head (``ensure_current``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from crm_core.db import create_engine
from crm_core.errors import SchemaOutOfDate, ServiceUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported inside the functions, after _quiet_alembic(): it logs each of its
# plugins at INFO while importing.

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _quiet_alembic() -> None:
    # Alembic logs each plugin and context at INFO on every call; keep that for -v runs.
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger("alembic").setLevel(logging.WARNING)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations (no alembic.ini)."""
    _quiet_alembic()
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        # ConfigParser treats % as interpolation: escape it (passwords may contain it).
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    config = alembic_config()
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None, "no migrations found"
    return head


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


@asynccontextmanager
async def _reachable(url: str) -> AsyncIterator[None]:
    """Turn "cannot connect" (refused, unknown host or database, bad login) into
    ``ServiceUnavailable`` with the URL minus its password."""
    try:
        yield
    except (OSError, DBAPIError) as exc:
        if isinstance(exc, DBAPIError) and exc.connection_invalidated is False \
                and not _is_connect_error(exc):
            raise
        raise ServiceUnavailable(
            f"cannot reach the database {_redact(url)}: {type(exc).__name__}: "
            f"{str(getattr(exc, 'orig', exc)).splitlines()[0]}",
            details={"url": _redact(url)},
        ) from exc


def _is_connect_error(exc: DBAPIError) -> bool:
    # No statement ran: the failure happened while connecting.
    return not exc.statement


async def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at (None for an empty database);
    ``ServiceUnavailable`` when it cannot be reached."""
    _quiet_alembic()
    engine = create_engine(url)
    try:
        async with _reachable(url), engine.connect() as connection:
            return await connection.run_sync(_current)
    finally:
        await engine.dispose()


async def _migrate(url: str, direction: str, revision: str) -> str | None:
    config = alembic_config(url)
    from alembic import command

    def run(connection: Connection) -> str | None:
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)
        return _current(connection)

    engine = create_engine(url)
    try:
        async with _reachable(url), engine.connect() as connection:
            reached = await connection.run_sync(run)
            await connection.commit()
            return reached
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> str | None:
    """Migrate the database at ``url`` up to ``revision``; returns the revision it ends at."""
    return await _migrate(url, "upgrade", revision)


async def downgrade(url: str, revision: str) -> str | None:
    """Migrate down to ``revision`` ("base" drops everything); returns where it ends."""
    return await _migrate(url, "downgrade", revision)


async def ensure_current(url: str) -> str:
    """The head revision if the database is at it; otherwise ``SchemaOutOfDate`` naming
    the fix, or ``ServiceUnavailable`` when the database cannot be reached."""
    head = head_revision()
    try:
        current = await current_revision(url)
    except ServiceUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - any other driver error also means "cannot check"
        raise ServiceUnavailable(
            f"cannot check the database schema: {type(exc).__name__}: {exc}",
            details={"url": _redact(url)},
        ) from exc
    if current != head and current is not None and not _known(current):
        raise ServiceUnavailable(
            f"the database is at schema revision {current}, which this version of kefu does "
            f"not know (it expects {head}): a newer kefu migrated it; upgrade kefu",
            details={"current": current, "head": head},
        )
    if current != head:
        raise SchemaOutOfDate(current, head)
    return head


def _known(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
