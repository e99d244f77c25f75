"""Shared repository plumbing: a session holder and paginated listing.

Listings page either by ``offset`` (fine for the first pages, a scan of every skipped row
deeper down) or by an opaque ``cursor`` naming the last row seen: keyset pagination, one
index range per page however deep, and no row skipped or repeated when rows are added
meanwhile. Each page of a keyset listing carries ``next_cursor`` (None on the last page),
also on offset pages, so a client can switch to cursors after the first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from crm_core.errors import InvalidInput

T = TypeVar("T")

MAX_PAGE_SIZE = 200
# Row ids are 32-bit INTEGER columns; a larger id in a cursor would overflow PostgreSQL.
_MAX_ID = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing plus the total number of matches (for pagination UIs).

    ``next_cursor`` continues a keyset listing after the last item (None when no row
    follows, and always None for listings without a keyset)."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next_cursor: str | None = None


def check_page(limit: int, offset: int) -> None:
    """Reject page sizes outside 1..MAX_PAGE_SIZE and negative offsets."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}",
                           details={"field": "limit", "value": limit})
    if offset < 0:
        raise InvalidInput("offset must not be negative",
                           details={"field": "offset", "value": offset})


@dataclass(frozen=True, slots=True)
class Keyset:
    """How a listing is ordered for keyset pagination: ``columns`` (the last one unique,
    e.g. the id) all ascending or all descending, named ``name`` inside its cursors so a
    cursor of one listing is refused by another."""

    name: str
    columns: tuple[InstrumentedAttribute[Any], ...]
    descending: bool = False

    def order_by(self) -> list[ColumnElement[Any]]:
        """The ORDER BY clause the keyset needs."""
        return [c.desc() if self.descending else c.asc() for c in self.columns]

    def after(self, key: tuple[Any, ...]) -> ColumnElement[bool]:
        """Rows strictly after ``key`` in this order (a row-value comparison, which both
        SQLite and PostgreSQL answer from an index on these columns)."""
        row = tuple_(*self.columns)
        # Each value bound with its column's type: a timestamp must be stored-format
        # text on SQLite, or it would compare as a string of another shape.
        bound = tuple_(*(literal(v, type_=c.type) for c, v in zip(self.columns, key,
                                                                 strict=True)))
        return row < bound if self.descending else row > bound

    def encode(self, row: Any) -> str:
        """The opaque cursor pointing just after ``row``."""
        key = [_to_json(getattr(row, c.key)) for c in self.columns]
        raw = json.dumps({"l": self.name, "k": key}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str) -> tuple[Any, ...]:
        """The key a cursor of this listing names; ``InvalidInput`` for anything else."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            data = json.loads(raw)
            if data["l"] != self.name or len(data["k"]) != len(self.columns):
                raise ValueError("cursor of another listing")
            return tuple(_from_json(c, v) for c, v in zip(self.columns, data["k"], strict=True))
        except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(
                f"cursor is not a cursor of the {self.name} list; use the next_cursor of a "
                "previous page as it is",
                details={"cursor": "invalid for this list"}) from exc


def _to_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _from_json(column: InstrumentedAttribute[Any], value: Any) -> Any:
    """A cursor value checked against its column's Python type (cursors come from clients:
    a forged one may start the page elsewhere, never break the query)."""
    # A TypeDecorator (UtcDateTime) reports ``object``; the type it wraps knows better.
    kind = getattr(column.type, "impl", column.type).python_type
    if kind is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive timestamp")
        return parsed
    if kind is int:
        if type(value) is not int or not -_MAX_ID <= value <= _MAX_ID:
            raise ValueError("bad id")
        return value
    if not isinstance(value, str):
        raise ValueError("bad key")
    return value


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
        total = await self._count(stmt)
        items = list((await self._session.scalars(stmt.limit(limit).offset(offset))).all())
        return Page(items=items, total=total, limit=limit, offset=offset)

    async def _keyset_page(self, stmt: Select[Any], keyset: Keyset, *, limit: int,
                           offset: int = 0, cursor: str | None = None) -> Page[Any]:
        """One page of ``stmt`` (filtered, not ordered) in ``keyset`` order: after
        ``cursor`` when given, else after ``offset`` rows; ``total`` counts every match."""
        check_page(limit, offset)
        if cursor is not None and offset:
            raise InvalidInput("give either a cursor or an offset, not both",
                               details={"offset": "must be 0 with a cursor"})
        total = await self._count(stmt)
        if cursor is not None:
            stmt = stmt.where(keyset.after(keyset.decode(cursor)))
        # One row more than asked says whether a next page exists.
        rows = list((await self._session.scalars(
            stmt.order_by(*keyset.order_by()).limit(limit + 1).offset(offset))).all())
        items, more = rows[:limit], len(rows) > limit
        return Page(items=items, total=total, limit=limit, offset=offset,
                    next_cursor=keyset.encode(items[-1]) if more else None)

    async def _count(self, stmt: Select[Any]) -> int:
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
        return (await self._session.execute(count_stmt)).scalar_one()
