"""Identity-check guards (``crm_core.models.IdentityGuard``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, tuple_, update

from crm_core.models import IdentityGuard
from crm_core.repositories.base import Repository


class IdentityGuardRepository(Repository):
    """The guard rows of the keys one identity check involves."""

    async def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str],
                                                                     IdentityGuard]:
        """The existing rows of ``(scope, key_hash)`` pairs, read without locking (a
        pre-check; counting goes through ``for_update``)."""
        if not keys:
            return {}
        stmt = select(IdentityGuard).where(
            tuple_(IdentityGuard.scope, IdentityGuard.key_hash).in_(list(keys)))
        return {(r.scope, r.key_hash): r for r in await self._session.scalars(stmt)}

    async def for_update(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str],
                                                                       IdentityGuard]:
        """The existing rows of ``(scope, key_hash)`` pairs, locked for this transaction
        (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers anyway)."""
        if not keys:
            return {}
        # First statement of the transaction, a write: SQLite takes its write lock here, so
        # concurrent checks of the same keys run one after another (none reads a stale
        # count); PostgreSQL locks the rows below.
        await self._session.execute(
            update(IdentityGuard)
            .where(tuple_(IdentityGuard.scope, IdentityGuard.key_hash).in_(list(keys)))
            .values(failures=IdentityGuard.failures)
            .execution_options(synchronize_session=False))
        rows: dict[tuple[str, str], IdentityGuard] = {}
        for scope, key_hash in keys:
            stmt = (select(IdentityGuard)
                    .where(IdentityGuard.scope == scope, IdentityGuard.key_hash == key_hash)
                    .with_for_update())
            row = (await self._session.scalars(stmt)).first()
            if row is not None:
                rows[(scope, key_hash)] = row
        return rows
