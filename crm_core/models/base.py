"""Declarative base, column types shared by every table, and the constraint naming
convention (Alembic needs stable names to alter constraints, SQLite batch mode too)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, MetaData, Numeric, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (the only kind of datetime the CRM stores)."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC.

    PostgreSQL keeps the zone (timestamptz); SQLite stores text without it, so naive
    values read back are declared UTC here. Naive values written are taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Money = Numeric(12, 2, asdecimal=True)
# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def enum_column(enum: type[StrEnum], length: int = 16) -> Enum:
    """Store a StrEnum by value as VARCHAR (no native PG enum: adding a value stays a
    one-line migration) with no CHECK constraint (the domain validates)."""
    return Enum(
        enum, native_enum=False, create_constraint=False, length=length,
        values_callable=lambda e: [m.value for m in e], validate_strings=True,
    )


class Base(DeclarativeBase):
    """Base of every CRM table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime(), Decimal: Money, dict[str, Any]: JsonType}


class EncryptedText(TypeDecorator[str]):
    """Text encrypted at rest (AES-256-GCM, ``crm_core.crypto``): plaintext in Python,
    ``v1:<key id>:<base64>`` in the database. The ciphertext is randomised, so SQL can
    neither compare nor search it: use a blind-index column for exact lookups."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        from crm_core.crypto import get_keyring

        return get_keyring().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        from crm_core.crypto import get_keyring

        return get_keyring().decrypt(value)
