"""One-time codes: the second factor before a change a customer asks for by chat.

Knowing an email and an order number proves little (both travel in every order
confirmation). Before the bot cancels or re-addresses an order it sends a six-digit code
to the email on file (``crm_core.mail``) and asks for it back: whoever changes the order
must also read that mailbox. A code is random (``secrets``), kept only as a salted hash,
expires after ``ttl``, allows ``max_tries`` wrong answers, and works once; asking for a
new one voids the old ones. Issue and use are audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from crm_core.errors import CodeRejected, CustomerNotFound
from crm_core.models import Customer, OneTimeCode, utcnow
from crm_core.services import audit
from crm_core.unit_of_work import UnitOfWork

DIGITS = 6


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A code to send (never stored in clear) and where to send it."""

    code: str
    email: str
    customer_name: str


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


async def issue_code(uow: UnitOfWork, customer_id: int, purpose: str, *,
                     ttl: timedelta = timedelta(minutes=10)) -> IssuedCode:
    """A fresh code for ``customer_id`` and ``purpose``; earlier unused ones are voided."""
    code = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"
    salt = secrets.token_hex(16)
    now = utcnow()
    async with uow:
        customer = await uow.customers.get(customer_id)
        if customer is None or not customer.email:
            raise CustomerNotFound(customer_id)
        session = uow.session  # type: ignore[attr-defined]
        await session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.customer_id == customer_id, OneTimeCode.purpose == purpose,
                   OneTimeCode.used_at.is_(None))
            .values(used_at=now).execution_options(synchronize_session=False))
        session.add(OneTimeCode(customer_id=customer_id, purpose=purpose,
                                code_hash=_hash(salt, code), salt=salt, created_at=now,
                                expires_at=now + ttl, tries=0))
        audit.record(uow, audit.BOT, "code.issued", "customer", customer_id,
                     {"purpose": purpose})
        await uow.commit()
        return IssuedCode(code=code, email=customer.email, customer_name=customer.name)


async def use_code(uow: UnitOfWork, customer_id: int, purpose: str, answer: str, *,
                   max_tries: int = 5) -> None:
    """Accept ``answer`` as the latest code for ``customer_id`` and ``purpose`` (and use
    it up), or raise ``CodeRejected`` saying how many tries are left."""
    given = "".join(ch for ch in answer if ch.isdigit())
    now = utcnow()
    async with uow:
        session = uow.session  # type: ignore[attr-defined]
        stmt = (select(OneTimeCode)
                .where(OneTimeCode.customer_id == customer_id,
                       OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None))
                .order_by(OneTimeCode.id.desc()).limit(1).with_for_update())
        row = (await session.scalars(stmt)).first()
        if row is None or row.expires_at <= now or row.tries >= max_tries:
            if row is not None:
                row.used_at = now
                await uow.commit()
            raise CodeRejected("The code has expired or was used up; ask for a new one.",
                               tries_left=0)
        if len(given) == DIGITS and hmac.compare_digest(_hash(row.salt, given),
                                                        row.code_hash):
            row.used_at = now
            audit.record(uow, audit.BOT, "code.used", "customer", customer_id,
                         {"purpose": purpose})
            await uow.commit()
            return
        row.tries += 1
        left = max_tries - row.tries
        if left <= 0:
            row.used_at = now
            audit.record(uow, audit.BOT, "code.exhausted", "customer", customer_id,
                         {"purpose": purpose})
        await uow.commit()
    raise CodeRejected("That code is not right.", tries_left=max(left, 0))


def mask_email(email: str) -> str:
    """``a***@example.com``: enough for the owner to recognise, little for anyone else."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


__all__ = ["CodeRejected", "Customer", "IssuedCode", "issue_code", "mask_email", "use_code"]
