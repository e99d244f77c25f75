"""Identity checks that cannot be guessed: failures counted per email and per client
across every conversation and worker, with lockouts that double each time.

An identity check is "this email is on file and this order number is one of its
orders" (``customers.identify_by_order``). On its own, a caller could try numbers until
one fits: three tries per conversation stop nobody who opens a new conversation. Here
every failed check counts against the email tried and against the client it came from
(its address, IPv6 by /64, as the channel saw it). ``max_failures`` within ``window``
lock that key for ``lockout``, then twice as long after each further lockout, up to
``max_lockout``. While locked, no check is made at all, so a right guess then proves
nothing either. Every failure and every lockout is audited (actor "bot", entity
"identity"), with the key's hash, never the email or address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from crm_core.errors import Conflict, CustomerNotFound, IdentityLocked
from crm_core.models import Customer, utcnow
from crm_core.repositories import normalize_email
from crm_core.services import audit, lockout
from crm_core.services.lockout import key_hash
from crm_core.unit_of_work import UnitOfWork

__all__ = ["CLIENT", "EMAIL", "IdentityPolicy", "key_hash", "verify_identity"]

EMAIL, CLIENT = "email", "client"


@dataclass(frozen=True, slots=True)
class IdentityPolicy:
    """How many failed checks are allowed, and how long a lockout lasts."""

    max_failures_email: int = 5
    max_failures_client: int = 20
    window: timedelta = timedelta(hours=1)
    lockout: timedelta = timedelta(minutes=5)
    max_lockout: timedelta = timedelta(days=1)

    def limit(self, scope: str) -> int:
        """The failures allowed for a key of ``scope`` within one window."""
        return self.max_failures_email if scope == EMAIL else self.max_failures_client

    def lockout_for(self, lockouts_before: int) -> timedelta:
        """The length of the next lockout: ``lockout`` doubled per earlier one, capped."""
        return lockout.doubled(self.lockout, lockouts_before, self.max_lockout)


def _keys(email: str, client: str | None) -> list[tuple[str, str]]:
    keys = [(EMAIL, key_hash(EMAIL, normalize_email(email)))]
    if client:
        keys.append((CLIENT, key_hash(CLIENT, client)))
    return keys


async def verify_identity(uow: UnitOfWork, email: str, order_number: str, *,
                          client: str | None = None,
                          policy: IdentityPolicy | None = None) -> Customer:
    """The customer proven by ``email`` + one of their order numbers, if neither the
    email nor the client is locked out. Raises ``IdentityLocked`` (with ``retry_after``)
    while locked, ``CustomerNotFound`` for a failed check, which is counted and audited;
    the failure that reaches a limit starts a lockout."""
    policy = policy or IdentityPolicy()
    for attempt in range(3):
        try:
            return await _verify_once(uow, email, order_number, client, policy)
        except Conflict:  # a concurrent first failure created the same key's row
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _verify_once(uow: UnitOfWork, email: str, order_number: str, client: str | None,
                       policy: IdentityPolicy) -> Customer:
    keys = _keys(email, client)
    now = utcnow()
    async with uow:
        rows = await lockout.lock_rows(uow, keys)
        wait = lockout.retry_after(rows, now)
        if wait is not None:
            audit.record(uow, audit.BOT, "identity.refused_locked", "identity",
                         keys[0][1][:16], {"retry_after": wait,
                                           "keys": [s for s, _ in keys]})
            await uow.commit()
            raise IdentityLocked("Too many failed identity checks; please try again later.",
                                 retry_after=wait)
        customer = await uow.customers.get_by_email_and_order(email, order_number)
        if customer is not None:
            lockout.forget(rows, keys[0], now)  # the owner got in: their email starts afresh
            await uow.commit()
            return customer
        started = lockout.count_failure(uow, rows, keys, policy, now)
        audit.record(uow, audit.BOT, "identity.failed", "identity", keys[0][1][:16],
                     {"client": keys[1][1][:16] if len(keys) > 1 else None})
        for scope, hashed, length in started:
            audit.record(uow, audit.BOT, "identity.locked", "identity", hashed[:16],
                         {"scope": scope, "seconds": int(length.total_seconds())})
        await uow.commit()
    raise CustomerNotFound(email)
