"""Shared repository plumbing: a session holder and paginated listing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.errors import InvalidInput

T = TypeVar("T")

MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing plus the total number of matches (for pagination UIs)."""

    items: list[T]
    total: int
    limit: int
    offset: int


def check_page(limit: int, offset: int) -> None:
    """Reject page sizes outside 1..MAX_PAGE_SIZE and negative offsets."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}",
                           details={"field": "limit", "value": limit})
    if offset < 0:
        raise InvalidInput("offset must not be negative",
                           details={"field": "offset", "value": offset})


class Repository:
    """Holds the unit of work's session; subclasses add domain queries."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, entity: Any) -> None:
        """Stage a new row (written on flush/commit)."""
        self._session.add(entity)

    async def flush(self) -> None:
        """Write staged rows now, so generated ids are known."""
        await self._session.flush()

    async def _page(self, stmt: Select[Any], limit: int, offset: int) -> Page[Any]:
        """Run ``stmt`` (already filtered and ordered) for one page, and count all matches."""
        check_page(limit, offset)
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = (await self._session.execute(count_stmt)).scalar_one()
        items = list((await self._session.scalars(stmt.limit(limit).offset(offset))).all())
        return Page(items=items, total=total, limit=limit, offset=offset)
