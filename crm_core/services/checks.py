"""Input checks shared by the services, so every caller (REST, bot, console, CLI) gets the
same 400 instead of a database error on an over-long or empty value."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from enum import Enum
from typing import Any

from crm_core.errors import InvalidInput


def text(field: str, value: str | None, max_len: int, *, required: bool = False) -> str | None:
    """``value`` stripped; ``InvalidInput`` if longer than ``max_len`` or missing when
    ``required``. Empty optional values become None."""
    if value is None:
        if required:
            raise InvalidInput(f"{field} is required", details={"field": field})
        return None
    value = value.strip()
    if not value:
        if required:
            raise InvalidInput(f"{field} must not be empty", details={"field": field})
        return None
    if len(value) > max_len:
        raise InvalidInput(f"{field} is longer than {max_len} characters",
                           details={"field": field, "max_length": max_len,
                                    "length": len(value)})
    return value


def clip(value: str | None, max_len: int) -> str | None:
    """For values the system writes (intent names, handoff reasons): cut, never refuse."""
    if value is None:
        return None
    value = value.strip()
    return value[:max_len] or None


class Unset(Enum):
    """The type of ``UNSET``."""

    UNSET = "unset"


# A field of a partial update the caller did not send; None there means "clear it".
UNSET = Unset.UNSET


def sent(changes: Any) -> dict[str, Any]:
    """The fields of a partial-update dataclass that are not ``UNSET``."""
    return {f.name: getattr(changes, f.name) for f in fields(changes)
            if getattr(changes, f.name) is not UNSET}


def no_nulls(what: str, values: dict[str, Any], required: Iterable[str]) -> None:
    """``InvalidInput`` naming each ``required`` field that ``values`` sets to None."""
    nulls = sorted(k for k in required if k in values and values[k] is None)
    if nulls:
        raise InvalidInput(f"These {what} fields cannot be set this way.",
                           details={k: "may not be null" for k in nulls})
