"""Customers and products: lookups by natural key, filtered listings, customer 360."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, select

from crm_core.domain.enums import OPEN_TICKET_STATUSES, CustomerTier
from crm_core.models import Customer, Order, Product, Ticket
from crm_core.models.customers import (
    email_index,
    normalize_email,
    normalize_phone,
    phone_index,
)
from crm_core.repositories.base import Keyset, Page, Repository
from crm_core.repositories.scope import held_customer_ids

__all__ = ["Customer360", "CustomerRepository", "ProductRepository", "normalize_email",
           "normalize_phone"]

# Names are encrypted at rest, so a substring of a name cannot be matched in SQL: the
# repository decrypts the (id, name) column in process and matches there. That is a scan,
# linear in customers (~1 us per row for AES-GCM); exact email/phone use the blind index.


@dataclass(frozen=True, slots=True)
class Customer360:
    """What an agent (or the bot) sees first: the customer, recent orders, open tickets."""

    customer: Customer
    recent_orders: list[Order]
    open_tickets: list[Ticket]


async def _ids_whose_name_contains(session, part: str) -> list[int]:  # noqa: ANN001
    """Ids of customers whose (decrypted) name contains ``part``, case-insensitively."""
    needle = part.strip().casefold()
    rows = await session.execute(select(Customer.id, Customer.name))
    return [cid for cid, name in rows if name and needle in name.casefold()]


async def _search(session, q: str) -> ColumnElement[bool]:  # noqa: ANN001
    """Part of the name or email, or of the phone when ``q`` looks like a number. The
    columns are encrypted, so this decrypts them in process (one scan); an exact email
    or phone also matches by blind index without decrypting anything."""
    text = q.strip()
    needle = text.casefold()
    digits = normalize_phone(text)
    # Only a query that looks like a phone number searches phones: "Person 6"
    # must not match every number containing a 6.
    phone_like = len(digits.lstrip("+")) >= 5 and len(digits) >= len(text) // 2
    rows = await session.execute(select(Customer.id, Customer.name, Customer.email,
                                        Customer.phone))
    ids = [cid for cid, name, email, phone in rows
           if (name and needle in name.casefold()) or (email and needle in email)
           or (phone_like and phone and digits in phone)]
    return Customer.id.in_(ids) if ids else false()


CUSTOMER_KEYSET = Keyset("customers", (Customer.id,))


class CustomerRepository(Repository):
    """Queries over customers."""

    async def get(self, customer_id: int) -> Customer | None:
        """The customer with this id, or None."""
        return await self._session.get(Customer, customer_id)

    async def get_by_email(self, email: str) -> Customer | None:
        """The customer with this email (case-insensitive), or None."""
        stmt = select(Customer).where(Customer.email_bidx == email_index(email))
        return (await self._session.scalars(stmt)).first()

    async def get_by_email_and_order(self, email: str, order_number: str) -> Customer | None:
        """The customer with this email who placed the order with this number, or None
        (one query: the bot's identity check)."""
        stmt = (select(Customer).join(Order, Order.customer_id == Customer.id)
                .where(Customer.email_bidx == email_index(email),
                       Order.number == order_number.strip()))
        return (await self._session.scalars(stmt)).first()

    async def get_by_phone(self, phone: str) -> Customer | None:
        """The (oldest) customer with this phone number after normalisation, or None."""
        stmt = (select(Customer).where(Customer.phone_bidx == phone_index(phone))
                .order_by(Customer.id).limit(1))
        return (await self._session.scalars(stmt)).first()

    async def get_by_external_ref(self, ref: str) -> Customer | None:
        """The customer imported under ``ref`` (e.g. "online-retail:17850"), or None."""
        stmt = select(Customer).where(Customer.external_ref == ref)
        return (await self._session.scalars(stmt)).first()

    async def list(self, *, q: str | None = None, name: str | None = None,
                   email: str | None = None, phone: str | None = None,
                   country: str | None = None, tier: CustomerTier | None = None,
                   limit: int = 50, offset: int = 0, cursor: str | None = None,
                   held_by: int | None = None) -> Page[Customer]:
        """Customers matching all given filters, by id: ``q`` searches name/email/phone,
        ``name`` is part of the name (case-insensitive), ``email`` and ``phone`` are exact
        after normalisation; ``held_by`` keeps the customers that agent holds. Pages by
        ``offset`` or by a ``cursor`` (``Page.next_cursor``)."""
        stmt = select(Customer)
        if held_by is not None:
            stmt = stmt.where(Customer.id.in_(held_customer_ids(held_by)))
        if q:
            stmt = stmt.where(await _search(self._session, q))
        if name:
            stmt = stmt.where(Customer.id.in_(
                await _ids_whose_name_contains(self._session, name)))
        if email:
            stmt = stmt.where(Customer.email_bidx == email_index(email))
        if phone:
            stmt = stmt.where(Customer.phone_bidx == phone_index(phone))
        if country:
            stmt = stmt.where(Customer.country == country)
        if tier:
            stmt = stmt.where(Customer.tier == CustomerTier(tier))
        return await self._keyset_page(stmt, CUSTOMER_KEYSET, limit=limit, offset=offset,
                                       cursor=cursor)

    async def customer_360(self, customer_id: int, *,
                           order_limit: int = 10) -> Customer360 | None:
        """The customer, their last ``order_limit`` orders (newest first), open tickets."""
        customer = await self.get(customer_id)
        if customer is None:
            return None
        orders = await self._session.scalars(
            select(Order).where(Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc(), Order.id.desc()).limit(order_limit)
        )
        tickets = await self._session.scalars(
            select(Ticket).where(Ticket.customer_id == customer_id,
                                 Ticket.status.in_(OPEN_TICKET_STATUSES))
            .order_by(Ticket.created_at.desc())
        )
        return Customer360(customer, list(orders.all()), list(tickets.all()))


class ProductRepository(Repository):
    """Queries over the product catalogue."""

    async def get(self, product_id: int) -> Product | None:
        """The product with this id, or None."""
        return await self._session.get(Product, product_id)

    async def get_by_sku(self, sku: str) -> Product | None:
        """The product with this SKU, or None."""
        return (await self._session.scalars(select(Product).where(Product.sku == sku))).first()

    async def get_many(self, product_ids: list[int]) -> dict[int, Product]:
        """Products by id (missing ids are simply absent)."""
        rows = await self._session.scalars(select(Product).where(Product.id.in_(product_ids)))
        return {p.id: p for p in rows}

    async def list(self, *, q: str | None = None, category: str | None = None,
                   active: bool | None = True, limit: int = 50,
                   offset: int = 0) -> Page[Product]:
        """Products matching all given filters, by id; ``q`` searches name and SKU."""
        stmt = select(Product).order_by(Product.id)
        if q:
            stmt = stmt.where(or_(Product.name.ilike(f"%{q}%"), Product.sku == q))
        if category:
            stmt = stmt.where(Product.category == category)
        if active is not None:
            stmt = stmt.where(Product.active == active)
        return await self._page(stmt, limit, offset)

    async def categories(self) -> list[str]:
        """Distinct product categories, sorted."""
        rows = await self._session.scalars(
            select(Product.category).where(Product.category.is_not(None)).distinct()
        )
        return sorted(rows)
