"""Agent sign-in attempts counted per account, with lockouts that double
(``crm_core.services.lockout``, the same table and rules as the customer identity check).

``max_failures`` wrong passwords for one email within ``window`` lock that email for
``lockout``, then twice as long after each further lockout, up to ``max_lockout``. While
locked, no password is checked (so a flood costs no argon2 time and a right guess proves
nothing) and the answer is ``LoginLocked`` (429 with ``Retry-After``), the same whether or
not the email belongs to an agent. A correct password outside a lockout clears the count.
Failures and lockouts are audited (entity "login", the key's hash prefix as id, the
agent's id when the email is theirs), never the email itself. Refusals while locked are
not written: that check is one indexed read, so a flood of them costs neither argon2 time
nor database writes (an attacker could otherwise grow the audit log without bound); the
``login.locked`` entry says when the lockout began and how long it lasts.

The per-client side is the sign-in rate limit of the gateway (``bot.gateway.ratelimit``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import OperationalError

from crm_core.errors import Conflict, LoginLocked, ServiceUnavailable
from crm_core.models import utcnow
from crm_core.services import audit, lockout
from crm_core.unit_of_work import UnitOfWork

ACCOUNT = "agent_login"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """How many wrong passwords an account may see, and how long a lockout lasts."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=1)
    max_lockout: timedelta = timedelta(hours=1)

    def limit(self, scope: str) -> int:
        """The failures allowed per window (one scope: the account)."""
        return self.max_failures

    def lockout_for(self, lockouts_before: int) -> timedelta:
        """``lockout`` doubled per earlier lockout, capped at ``max_lockout``."""
        return lockout.doubled(self.lockout, lockouts_before, self.max_lockout)


def account_key(email: str) -> tuple[str, str]:
    """The guard key of the account an email names (whether or not it exists)."""
    return ACCOUNT, lockout.key_hash(ACCOUNT, email.strip().lower())


async def refuse_if_locked(uow: UnitOfWork, email: str) -> None:
    """``LoginLocked`` while the account is locked out; one read, nothing written."""
    async with uow:
        wait = lockout.retry_after(await uow.identity_guards.get_many([account_key(email)]),
                                   utcnow())
    if wait is None:
        return
    log.info("sign-in refused: account locked for %s s more", wait)
    raise LoginLocked("Too many failed sign-ins for this account; try again later.",
                      retry_after=wait)


async def record_failure(uow: UnitOfWork, email: str, agent_id: int | None,
                         policy: LoginPolicy) -> None:
    """Count one wrong password (audited); the one reaching the limit starts a lockout.
    If the count cannot be written (SQLite busy past its timeout under a flood), the
    sign-in fails closed with ``ServiceUnavailable`` (503): an uncounted guess would be a
    free one."""
    key = account_key(email)
    for attempt in range(3):
        try:
            await _count(uow, key, agent_id, policy)
            return
        except Conflict:  # a concurrent first failure created the same row
            if attempt == 2:
                raise
        except OperationalError as exc:
            log.warning("sign-in failure not counted: %s", exc.orig)
            raise ServiceUnavailable("Sign-in is busy; try again in a moment.",
                                     details={"retry_after": 1}) from exc


async def _count(uow: UnitOfWork, key: tuple[str, str], agent_id: int | None,
                 policy: LoginPolicy) -> None:
    now = utcnow()
    async with uow:
        rows = await lockout.lock_rows(uow, [key])
        started = lockout.count_failure(uow, rows, [key], policy, now)
        audit.record(uow, audit.SYSTEM, "login.failed", "login", key[1][:16],
                     {"agent_id": agent_id})
        for _, hashed, length in started:
            audit.record(uow, audit.SYSTEM, "login.locked", "login", hashed[:16],
                         {"agent_id": agent_id, "seconds": int(length.total_seconds())})
        await uow.commit()


async def record_success(uow: UnitOfWork, email: str) -> None:
    """The right password: the account's failures and lockouts start afresh."""
    key = account_key(email)
    async with uow:
        rows = await uow.identity_guards.get_many([key])
        if not rows:
            return
        rows = await lockout.lock_rows(uow, [key])
        lockout.forget(rows, key, utcnow())
        await uow.commit()
