"""The guessing attack of issue #15, played through the real app's REST channel: with
only a customer's email, try order numbers over many conversations. Without per-email and
per-client limits the attacker eventually hits a real order; now the email (and the
client) is locked out after a few failures, and then even the right number is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.e2e.chat_support import Seeded, chat_app, seed_fast as seed

LOCKED = "can't check identities"
MISMATCH = "couldn't match"
VERIFIED = "you're verified"


@pytest.fixture
def url(request: pytest.FixtureRequest) -> str:
    if getattr(request, "param", "sqlite") == "postgres":
        return request.getfixturevalue("postgres_url")
    return request.getfixturevalue("sqlite_url")


@pytest.fixture
async def seeded(url: str) -> Seeded:
    return await seed(url)


@pytest.fixture
async def client(aiohttp_client, url: str, seeded: Seeded, tmp_path, nlu_model_dir):
    # The chat rate limit is off: this test is about the identity limits behind it.
    return await aiohttp_client(chat_app(url, tmp_path, nlu_model_dir, rate_limit_chat="",
                                         identity_max_failures_email=4,
                                         identity_max_failures_client=9))


async def attempt(client, sender: str, email: str, number: str) -> str:
    """One identity check in a fresh conversation; the bot's words after the email."""
    resp = await client.post("/webhooks/rest/webhook", json={
        "sender": sender, "message": f'/order_status{{"order_number": "{number}"}}'})
    assert resp.status == 200
    resp = await client.post("/webhooks/rest/webhook",
                             json={"sender": sender, "message": email})
    assert resp.status == 200
    return "\n".join(i.get("text", "") for i in await resp.json())


@pytest.mark.parametrize("url", ["sqlite", pytest.param(
    "postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_guessing_order_numbers_over_many_conversations_is_locked_out(
        client, seeded: Seeded, url: str) -> None:
    real = seeded.ann_paid
    prefix, digits = real.split("-")
    guesses = [f"{prefix}-{int(digits) + 1000 + i}" for i in range(4)]
    for i, number in enumerate(guesses):  # a new conversation for each guess
        said = await attempt(client, f"attacker-{i}", "ann@example.com", number)
        assert MISMATCH in said and LOCKED not in said, said
    # The fifth conversation has the right number: too late, the email is locked.
    said = await attempt(client, "attacker-right", "ann@example.com", real)
    assert LOCKED in said and VERIFIED not in said, said
    # Case and spaces do not make it another email.
    said = await attempt(client, "attacker-case", "  ANN@Example.COM", real)
    assert LOCKED in said, said

    # The lockout is on record, and the guards hold no email in clear.
    from crm_core.db import create_engine
    from crm_core.models import AuditEntry, IdentityGuard

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            locked = await conn.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "identity.locked"))
            hashes = (await conn.execute(select(IdentityGuard.key_hash))).scalars().all()
    finally:
        await engine.dispose()
    assert locked >= 1
    assert all("@" not in h for h in hashes)


async def test_one_client_trying_many_emails_is_locked_out(client, seeded: Seeded) -> None:
    for i in range(9):
        said = await attempt(client, f"spray-{i}", f"victim{i}@example.com", seeded.ann_paid)
        assert MISMATCH in said, said
    # The same client now cannot check even a right pair; the owner elsewhere could.
    said = await attempt(client, "spray-right", "ann@example.com", seeded.ann_paid)
    assert LOCKED in said, said


async def test_the_owner_still_gets_in_after_a_couple_of_typos(client, seeded: Seeded) -> None:
    for i in range(2):
        assert MISMATCH in await attempt(client, f"ann-{i}", "ann@example.com", "KF-999990")
    assert VERIFIED in (await attempt(client, "ann-ok", "ann@example.com", seeded.ann_paid))


async def test_customer_cannot_forge_the_client_key(client, seeded: Seeded) -> None:
    """Metadata naming another client is replaced by the address the gateway saw."""
    for i in range(9):
        resp = await client.post("/webhooks/rest/webhook", json={
            "sender": f"forge-{i}", "message": f'/order_status{{"order_number": "KF-9999{i}"}}',
            "metadata": {"kefu_client": f"198.51.100.{i}"}})
        assert resp.status == 200
        await client.post("/webhooks/rest/webhook", json={
            "sender": f"forge-{i}", "message": f"other{i}@example.com",
            "metadata": {"kefu_client": f"198.51.100.{i}"}})
    said = await attempt(client, "forge-right", "ann@example.com", seeded.ann_paid)
    assert LOCKED in said, said
