"""Customers and the products they buy."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import re
from typing import Any

from sqlalchemy import DDL, Boolean, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.domain.enums import CustomerTier
from crm_core.models.base import Base, EncryptedText, enum_column, utcnow

_PHONE_JUNK = re.compile(r"[^\d+]")


def normalize_email(email: str) -> str:
    """Emails are compared case-insensitively: stored and looked up lower-cased."""
    return email.strip().lower()


def normalize_phone(phone: str) -> str:
    """Phones are stored as ``+`` and digits only, so "+44 (20) 7946-0000" matches."""
    return _PHONE_JUNK.sub("", phone.strip())


def email_index(email: str | None) -> str | None:
    """Blind index of an email (HMAC of the normalised value), what lookups compare."""
    from crm_core.crypto import get_keyring

    return None if email is None else get_keyring().blind_index(normalize_email(email))


def phone_index(phone: str | None) -> str | None:
    """Blind index of a phone number after normalisation."""
    from crm_core.crypto import get_keyring

    return None if phone is None else get_keyring().blind_index(normalize_phone(phone))


def with_blind_indexes(row: dict[str, Any]) -> dict[str, Any]:
    """A customers row (bulk insert) with its blind-index columns filled in."""
    if "email" in row or "phone" in row:
        row = {**row, "email_bidx": email_index(row.get("email")),
               "phone_bidx": phone_index(row.get("phone"))}
    return row


class Customer(Base):
    """A person who buys from us and talks to the bot or to agents."""

    __tablename__ = "customers"
    __table_args__ = (
        # Filters of the customer list, in its keyset order (by id).
        Index("ix_customers_country_id", "country", "id"),
        Index("ix_customers_tier_id", "tier", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # PII is encrypted at rest (crm_core.crypto); exact lookups by email and phone go
    # through the blind indexes, kept in step by the mapper events below and by
    # crm_core.bulk for bulk inserts. Names are searched in process (see the repository).
    name: Mapped[str] = mapped_column(EncryptedText)
    email: Mapped[str | None] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    email_bidx: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_bidx: Mapped[str | None] = mapped_column(String(64), index=True)
    country: Mapped[str | None] = mapped_column(String(64))
    preferred_language: Mapped[str] = mapped_column(String(16), default="en")
    tier: Mapped[CustomerTier] = mapped_column(
        enum_column(CustomerTier), default=CustomerTier.STANDARD
    )
    consent_marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_data_processing: Mapped[bool] = mapped_column(Boolean, default=True)
    # Key of the customer in the system it was imported from (e.g. "online-retail:17850"),
    # so a second import finds it instead of adding a duplicate.
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Product(Base):
    """Something we sell."""

    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_category_name", "category", "name"),
        # The catalogue search: part of the name (trigram index on PostgreSQL, as for
        # customers' names) or the exact SKU (unique).
        Index("ix_products_name_trgm", "name", postgresql_using="gin",
              postgresql_ops={"name": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64))
    price: Mapped[Decimal]
    stock: Mapped[int] = mapped_column(Integer, default=0)
    # Consumables people buy again; the recommender may re-suggest them.
    rebuyable: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Migration 0005 creates pg_trgm before the trigram indexes; ``create_all`` (test helpers,
# tools) must too, or PostgreSQL does not know ``gin_trgm_ops``.
@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _fill_blind_indexes(_mapper: Any, _conn: Any, target: Customer) -> None:
    target.email_bidx = email_index(target.email)
    target.phone_bidx = phone_index(target.phone)


_TRGM = DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql")
for _table in (Customer.__table__, Product.__table__):
    event.listen(_table, "before_create", _TRGM)
