"""Typed conversations (real NLU, trained once on kefu's data) through the REST channel:
what customers actually write, including the handoff triggers."""

from __future__ import annotations

import pytest

from tests.e2e.chat_support import Seeded, chat_app_with_nlu, seed_fast as seed


@pytest.fixture
async def seeded(sqlite_url: str) -> Seeded:
    return await seed(sqlite_url)


@pytest.fixture
async def client(aiohttp_client, sqlite_url: str, seeded: Seeded, tmp_path,
                 nlu_model_dir):
    return await aiohttp_client(chat_app_with_nlu(sqlite_url, tmp_path, nlu_model_dir))


async def say(client, sender: str, text: str, **extra: object) -> str:
    resp = await client.post("/webhooks/rest/webhook",
                             json={"sender": sender, "message": text, **extra})
    assert resp.status == 200, await resp.text()
    return "\n".join(i.get("text", "") for i in await resp.json())


async def test_typed_order_status(client, seeded: Seeded) -> None:
    reply = await say(client, "n1", f"hi, where is my order {seeded.ann_shipped}?")
    assert "email" in reply.lower() and "TRACK" not in reply
    reply = await say(client, "n1", "my email is ann@example.com")
    assert "TRACK-ANN-1" in reply


async def test_typed_chinese_conversation(client, seeded: Seeded) -> None:
    reply = await say(client, "n2", "我的订单到哪了")
    assert "邮箱" in reply
    reply = await say(client, "n2", "ann@example.com")
    assert "订单号" in reply
    reply = await say(client, "n2", seeded.ann_paid)
    assert "已付款" in reply


async def test_asking_for_a_person_hands_off_with_a_ticket(client) -> None:
    reply = await say(client, "n3", "I want to talk to a human")
    assert "ticket T-" in reply
    ticket = reply.split("ticket ")[1].split(":")[0].rstrip(".")
    # The bot is paused: no bot answer, but the customer is told the truth, never silence.
    later = await say(client, "n3", "hello?")
    assert "No colleague is online" in later and ticket in later


async def test_two_strongly_negative_turns_hand_off(client, seeded: Seeded) -> None:
    await say(client, "n4", "this is terrible, worst service ever")
    reply = await say(client, "n4", "absolutely awful, I am furious")
    assert "ticket T-" in reply or "colleague" in reply


async def test_vip_complaint_goes_to_a_person(client, seeded: Seeded) -> None:
    from bot.gateway.tokens import sign_customer_token
    from tests.e2e.chat_support import SECRET

    vera = await _customer_id(client, "vera@example.com")
    token = sign_customer_token(vera, SECRET)
    reply = await say(client, "n5", "I want to complain, the package arrived broken",
                      metadata={"customer_token": token})
    assert "colleague" in reply.lower()


async def _customer_id(client, email: str) -> int:
    from bot.gateway import keys
    from crm_core.services import customers
    from crm_core.unit_of_work import SqlUnitOfWork

    factory = client.server.app[keys.SESSION_FACTORY]
    return (await customers.find_customer(SqlUnitOfWork(factory), email=email)).id


async def test_order_status_with_nlu_in_a_worker_process(aiohttp_client, sqlite_url: str,
                                                          seeded: Seeded, tmp_path,
                                                          nlu_model_dir) -> None:
    from bot.gateway import keys

    client = await aiohttp_client(chat_app_with_nlu(sqlite_url, tmp_path, nlu_model_dir,
                                                    nlu_worker=True))
    worker = client.app[keys.NLU_WORKER]
    assert worker.alive
    reply = await say(client, "w1", f"hi, where is my order {seeded.ann_shipped}?")
    assert "email" in reply.lower()
    assert "TRACK-ANN-1" in await say(client, "w1", "my email is ann@example.com")
    assert client.app[keys.MESSAGE_HANDLER].parser.batches >= 2
