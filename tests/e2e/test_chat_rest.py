"""Conversations through the Rasa REST channel on the real app and a real CRM database.

Requests are mostly button payloads (``/intent{...}``, which skip NLU) and plain answers
to the bot's questions (email, order number), which the forms read even when NLU finds no
entity; the app runs with the session's trained default NLU model.
"""

from __future__ import annotations

import pytest

from tests.e2e.chat_support import Seeded, chat_app, mailed_code, seed_fast as seed


@pytest.fixture
def url(request: pytest.FixtureRequest) -> str:
    """SQLite by default; the tests marked ``both_databases`` also run on PostgreSQL."""
    if getattr(request, "param", "sqlite") == "postgres":
        return request.getfixturevalue("postgres_url")
    return request.getfixturevalue("sqlite_url")


@pytest.fixture
async def seeded(url: str) -> Seeded:
    return await seed(url)


@pytest.fixture
async def client(aiohttp_client, url: str, seeded: Seeded, tmp_path, nlu_model_dir):
    return await aiohttp_client(chat_app(url, tmp_path, nlu_model_dir))


# The tracker store and the CRM writes must behave the same on PostgreSQL.
both_databases = pytest.mark.parametrize("url", ["sqlite", pytest.param(
    "postgres", marks=pytest.mark.postgres)], indirect=True)


async def say(client, sender: str, text: str, **extra: object) -> list[dict]:
    resp = await client.post("/webhooks/rest/webhook",
                             json={"sender": sender, "message": text, **extra})
    assert resp.status == 200, await resp.text()
    return await resp.json()


def texts(items: list[dict]) -> str:
    return "\n".join(i.get("text", "") for i in items)


async def test_rest_health_is_rasa_shaped(client) -> None:
    resp = await client.get("/webhooks/rest/")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok"}


@both_databases
async def test_order_status_happy_path_verifies_identity_first(client, seeded: Seeded) -> None:
    items = await say(client, "s1", f'/order_status{{"order_number": "{seeded.ann_shipped}"}}')
    # No order data before identity: the bot asks for the email on file.
    assert all(i["recipient_id"] == "s1" for i in items)
    assert "email" in texts(items).lower()
    assert "TRACK-ANN-1" not in texts(items)
    items = await say(client, "s1", "ann@example.com")
    reply = texts(items)
    assert "Ann Lee" in reply
    assert seeded.ann_shipped in reply and "shipped" in reply and "TRACK-ANN-1" in reply


async def test_someone_elses_order_is_never_shown(client, seeded: Seeded) -> None:
    await say(client, "s2", f'/order_status{{"order_number": "{seeded.bob_order}"}}')
    items = await say(client, "s2", "ann@example.com")
    reply = texts(items)
    assert "couldn't match" in reply
    assert "Bob" not in reply and "paid" not in reply
    # The form starts over: email first.
    assert "email" in reply.lower()


async def test_wrong_order_number_format_is_asked_again(client, seeded: Seeded) -> None:
    await say(client, "s3", "/order_status")
    items = await say(client, "s3", "ann@example.com")
    assert "order number" in texts(items).lower()
    items = await say(client, "s3", "my order is abc")
    assert "KF-100042" in texts(items)  # the format hint, not a lookup
    items = await say(client, "s3", seeded.ann_paid)
    assert "paid" in texts(items)


async def test_cancel_after_shipping_is_refused(client, seeded: Seeded, tmp_path) -> None:
    await say(client, "s4", f'/cancel_order{{"order_number": "{seeded.ann_shipped}"}}')
    items = await say(client, "s4", "ann@example.com")
    assert "emailed a 6-digit code to a***@example.com" in texts(items)
    items = await say(client, "s4", mailed_code(tmp_path))
    assert "can no longer be cancelled" in texts(items)
    items = await say(client, "s4", f'/cancel_order{{"order_number": "{seeded.ann_paid}"}}')
    # "Are you sure?" with what the order holds, and Yes / No buttons.
    assert f"Cancel order {seeded.ann_paid} (1 × Blue Ceramic Mug, 12.50 USD)?" in texts(items)
    assert [b["payload"] for b in items[-1]["buttons"]] == ["/affirm", "/deny"]
    items = await say(client, "s4", "/affirm")
    assert "is cancelled" in texts(items)


async def test_language_switch_mid_chat(client, seeded: Seeded) -> None:
    items = await say(client, "s5", "/greet")
    assert "How can I help" in texts(items)
    await say(client, "s5", f'/order_status{{"order_number": "{seeded.ann_shipped}"}}')
    items = await say(client, "s5", "我的邮箱是 ann@example.com")
    reply = texts(items)
    assert "已发货" in reply and "TRACK-ANN-1" in reply
    items = await say(client, "s5", "/faq_shipping")
    assert "配送" in texts(items)


@both_databases
async def test_fallback_chain_ends_with_a_handoff_ticket(client) -> None:
    # The NLU's verdict comes as a payload, so the chain does not depend on how today's
    # model scores a given piece of gibberish (the NLU tests cover that).
    items = await say(client, "s6", "/nlu_fallback")
    assert items  # rephrase (no guesses) or "Did you mean" buttons
    items = await say(client, "s6", "/rephrase")
    assert "other words" in texts(items)
    items = await say(client, "s6", "/nlu_fallback")
    assert "ticket T-" in texts(items)
    # The bot is paused now, but the customer is never left in silence: the message is
    # kept and the answer says with which ticket and when (#18).
    number = texts(items).split("ticket ")[1].split(":")[0]
    later = texts(await say(client, "s6", "/greet"))
    assert number in later and "email" in later


async def test_message_size_is_bounded(client) -> None:
    resp = await client.post("/webhooks/rest/webhook",
                             json={"sender": "s7", "message": "x" * 5000})
    assert resp.status == 400
    body = await resp.json()
    assert body["error"]["details"]["max_chars"] == 2000


async def test_bad_bodies_are_clear_400s(client) -> None:
    resp = await client.post("/webhooks/rest/webhook", data=b"not json")
    assert resp.status == 400
    resp = await client.post("/webhooks/rest/webhook", json={"sender": "x"})
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "invalid_input"


async def test_change_address_asks_for_it_and_keeps_the_order(client, seeded: Seeded,
                                                               tmp_path) -> None:
    await say(client, "s8", f'/change_address{{"order_number": "{seeded.ann_paid}"}}')
    await say(client, "s8", "ann@example.com")
    items = await say(client, "s8", mailed_code(tmp_path))
    assert f"new shipping address for order {seeded.ann_paid}" in texts(items)
    # An order number is not an address; nor is an address without its country (Ann's
    # record names none), a state or a ZIP code.
    items = await say(client, "s8", seeded.bob_order)
    assert "looks like an order number" in texts(items)
    items = await say(client, "s8", "12345 Main Street, Springfield")
    assert "Which country" in texts(items)
    items = await say(client, "s8", "12345 Main Street, Springfield, USA")
    assert "I also need the state and the ZIP code" in texts(items)
    # Digits in an address are not an order number.
    items = await say(client, "s8", "12345 Main Street, Springfield, IL 62701, USA")
    assert (f"Ship order {seeded.ann_paid} to 12345 Main Street, SPRINGFIELD, IL 62701, "
            "UNITED STATES instead of 1 Old Street?") in texts(items)
    items = await say(client, "s8", "yes please")
    assert f"Order {seeded.ann_paid} will now ship to: 12345 Main Street, SPRINGFIELD, IL " \
        "62701, UNITED STATES" in texts(items)
    # A shipped order is refused before the customer types an address it cannot use.
    items = await say(client, "s8", f'/change_address{{"order_number": "{seeded.ann_shipped}"}}')
    assert "can no longer change" in texts(items)


async def test_return_and_ticket_status(client, seeded: Seeded) -> None:
    await say(client, "s9", f'/return_refund{{"order_number": "{seeded.ann_delivered}"}}')
    items = await say(client, "s9", "ann@example.com")
    # One item in the order: only the reason is asked, then "are you sure?".
    assert "What's wrong with it?" in texts(items)
    items = await say(client, "s9", "it arrived with a cracked handle")
    assert (f"Return 1 × Blue Ceramic Mug from order {seeded.ann_delivered}, because: "
            '"it arrived with a cracked handle"?') in texts(items)
    items = await say(client, "s9", "/affirm")
    assert f"started a return for order {seeded.ann_delivered}" in texts(items)
    items = await say(client, "s9", "/complaint")
    number = texts(items).split("ticket ")[1].split(";")[0]
    assert number.startswith("T-")
    items = await say(client, "s9", f'/ticket_status{{"ticket_number": "{number}"}}')
    assert f"Ticket {number} is new" in texts(items)
    items = await say(client, "s9", '/ticket_status{"ticket_number": "T-99999"}')
    assert "couldn't find ticket T-99999" in texts(items)
