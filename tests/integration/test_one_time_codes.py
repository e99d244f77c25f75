"""One-time codes on real SQLite and PostgreSQL: single use, expiry, limited tries,
voided by a newer code, and only a salted hash stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_core.errors import CodeRejected
from crm_core.models import OneTimeCode
from crm_core.services import customers
from crm_core.services.one_time_codes import issue_code, mask_email, use_code
from tests.integration.crm_support import *  # noqa: F403 - fixtures


async def _ann(uow) -> int:
    ann = await customers.create_customer(
        uow, customers.NewCustomer(name="Ann Lee", email="ann@example.com"), actor="system")
    return ann.id


async def test_a_code_works_once_and_is_stored_hashed(uow) -> None:
    ann = await _ann(uow)
    issued = await issue_code(uow, ann, "order_change")
    assert issued.email == "ann@example.com" and len(issued.code) == 6
    async with uow:
        [row] = (await uow.session.scalars(select(OneTimeCode))).all()
    assert issued.code not in (row.code_hash, row.salt)
    await use_code(uow, ann, "order_change", f" {issued.code} ")
    with pytest.raises(CodeRejected) as exc:
        await use_code(uow, ann, "order_change", issued.code)
    assert exc.value.tries_left == 0


async def test_wrong_answers_use_up_the_code(uow) -> None:
    ann = await _ann(uow)
    issued = await issue_code(uow, ann, "order_change")
    wrong = f"{(int(issued.code) + 1) % 1_000_000:06d}"
    lefts = []
    for _ in range(3):
        with pytest.raises(CodeRejected) as exc:
            await use_code(uow, ann, "order_change", wrong, max_tries=3)
        lefts.append(exc.value.tries_left)
    assert lefts == [2, 1, 0]
    with pytest.raises(CodeRejected):
        await use_code(uow, ann, "order_change", issued.code, max_tries=3)


async def test_expired_and_replaced_codes_are_refused(uow) -> None:
    ann = await _ann(uow)
    old = await issue_code(uow, ann, "order_change")
    new = await issue_code(uow, ann, "order_change")
    with pytest.raises(CodeRejected):
        await use_code(uow, ann, "order_change", old.code if old.code != new.code else "x")
    expired = await issue_code(uow, ann, "order_change", ttl=timedelta(seconds=-1))
    with pytest.raises(CodeRejected) as exc:
        await use_code(uow, ann, "order_change", expired.code)
    assert exc.value.tries_left == 0
    # A code for one purpose does not confirm another.
    other = await issue_code(uow, ann, "contact_change")
    with pytest.raises(CodeRejected):
        await use_code(uow, ann, "order_change", other.code)


def test_mask_email() -> None:
    assert mask_email("ann.lee@example.com") == "a***@example.com"
    assert mask_email("nonsense") == "***"
