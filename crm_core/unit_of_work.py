"""The unit of work: one transaction, the repositories that share it, rollback by default.

    uow = SqlUnitOfWork(app[keys.SESSION_FACTORY])
    async with uow:
        customer = await uow.customers.get_by_email("ann@example.com")
        ...
        await uow.commit()          # without this, leaving the block rolls back

The same ``uow`` object may be entered again later (each entry opens a fresh session),
so one instance can be handed to several service calls in turn; it is not re-entrant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Protocol, Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.errors import Conflict
from crm_core.repositories import (
    AgentRepository,
    ArticleRepository,
    AuditRepository,
    ConversationRepository,
    CsatRepository,
    CustomerRepository,
    IdentityGuardRepository,
    OrderRepository,
    ProductRepository,
    TicketRepository,
)


class UnitOfWork(Protocol):
    """What services need: repositories plus commit/rollback, as an async context manager."""

    customers: CustomerRepository
    products: ProductRepository
    orders: OrderRepository
    tickets: TicketRepository
    conversations: ConversationRepository
    agents: AgentRepository
    articles: ArticleRepository
    csat: CsatRepository
    audit: AuditRepository
    identity_guards: IdentityGuardRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    async def flush(self) -> None: ...


class SqlUnitOfWork:
    """A unit of work over one ``AsyncSession`` from ``session_factory``."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The open session (only inside ``async with``; repositories use it, callers don't)."""
        if self._session is None:
            raise RuntimeError("use the unit of work inside `async with uow:`")
        return self._session

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open (it is not re-entrant)")
        session = self._session_factory()
        self._session = session
        self.customers = CustomerRepository(session)
        self.products = ProductRepository(session)
        self.orders = OrderRepository(session)
        self.tickets = TicketRepository(session)
        self.conversations = ConversationRepository(session)
        self.agents = AgentRepository(session)
        self.articles = ArticleRepository(session)
        self.csat = CsatRepository(session)
        self.audit = AuditRepository(session)
        self.identity_guards = IdentityGuardRepository(session)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        session, self._session = self.session, None
        # Closing rolls back whatever was not committed, error or not. Unlike rollback(),
        # it detaches loaded objects without expiring them, so callers can still read rows
        # a service returns after its block has ended.
        await session.close()

    async def commit(self) -> None:
        """Make everything done in this block permanent; ``Conflict`` if the database
        refuses it (a unique key taken by a concurrent request, a vanished reference)."""
        async with _integrity_as_conflict():
            await self.session.commit()

    async def rollback(self) -> None:
        """Discard everything done since the last commit."""
        await self.session.rollback()

    async def flush(self) -> None:
        """Send pending changes (to get generated ids) without committing."""
        async with _integrity_as_conflict():
            await self.session.flush()


@asynccontextmanager
async def _integrity_as_conflict() -> AsyncIterator[None]:
    # Services check natural keys first, but two requests can still race between the
    # check and the write: the constraint wins, and the caller gets a 409, not a 500.
    try:
        yield
    except IntegrityError as exc:
        raise Conflict("the change clashes with data saved meanwhile; reload and retry",
                       details={"reason": str(exc.orig).splitlines()[0][:200]}) from exc
