"""The CRM tracker store on a real database: concurrent turns share commits and every
customer message is stored with intent, confidence and sentiment; new conversations are
opened by the group writer; a conversation an agent closed is noticed within
``recheck_seconds``; a second worker's events are read back."""

from __future__ import annotations

import asyncio

from sqlalchemy import insert, select, update

from bot.dialogue.store_sql import CrmConversationStore
from bot.messages import BotMessage
from bot.nlu.types import Intent, ParseResult, Sentiment
from crm_core.db import create_engine, create_session_factory
from crm_core.domain.enums import ConversationStatus, MessageRole
from crm_core.errors import ConversationNotFound
from crm_core.models import AuditEntry, Conversation, Customer, Message
from crm_core.schema import upgrade


def _parse(text: str) -> ParseResult:
    return ParseResult(text=text, intent=Intent("order_status", 0.9),
                       sentiment=Sentiment(-0.5, "negative"))


async def test_concurrent_turns_persist_everything(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    store = CrmConversationStore(create_session_factory(engine), single_worker=True)
    try:
        async def turn(i: int) -> None:
            conv = await store.load(f"sender-{i}", "web")
            await store.record_user(conv, f"where is order {i}", _parse("x"),
                                    [{"event": "user", "text": f"where is order {i}"}])
            await store.record_bot(conv, [BotMessage(text=f"answer {i}")],
                                   [{"event": "bot", "text": f"answer {i}"}], {})

        await asyncio.gather(*(turn(i) for i in range(40)))
        async with engine.connect() as conn:
            rows = (await conn.execute(select(Message.role, Message.intent, Message.confidence,
                                              Message.sentiment))).all()
            conversations = (await conn.execute(select(Conversation.sender_id))).scalars()
            assert sorted(conversations) == sorted(f"sender-{i}" for i in range(40))
        customer = [r for r in rows if r.role == MessageRole.CUSTOMER]
        assert len(customer) == 40 and len(rows) == 80
        assert {(r.intent, r.confidence, r.sentiment) for r in customer} == {
            ("order_status", 0.9, -0.5)}
        conv = await store.load("sender-7", "web")
        assert [e["text"] for e in conv.events] == ["where is order 7", "answer 7"]
    finally:
        await engine.dispose()


async def test_closed_conversation_and_other_workers_events(sqlite_url: str) -> None:
    await upgrade(sqlite_url)
    engine = create_engine(sqlite_url)
    factory = create_session_factory(engine)
    store = CrmConversationStore(factory, single_worker=False, recheck_seconds=0.05)
    other = CrmConversationStore(factory, single_worker=False)
    try:
        first = await store.load("ann", "web")
        await store.record_user(first, "hi", _parse("hi"), [{"event": "user", "text": "hi"}])
        # Another worker answers this sender: this one reads its events back.
        seen = await other.load("ann", "web")
        assert seen.conversation_id == first.conversation_id
        await other.record_bot(seen, [], [{"event": "bot", "text": "hello"}], {})
        again = await store.load("ann", "web")
        assert [e["text"] for e in again.events] == ["hi", "hello"]

        async with engine.begin() as conn:  # an agent closes it
            await conn.execute(update(Conversation).values(status=ConversationStatus.CLOSED))
        await asyncio.sleep(0.1)
        fresh = await store.load("ann", "web")
        assert fresh.conversation_id != first.conversation_id and fresh.events == []
        assert await store.peek("nobody", "web") == []
    finally:
        await engine.dispose()


async def test_customer_links_join_the_group_commit(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    store = CrmConversationStore(create_session_factory(engine), single_worker=True)
    try:
        async with engine.begin() as conn:
            ids = (await conn.execute(insert(Customer).returning(Customer.id), [
                {"name": f"C{i}", "email": f"c{i}@example.com"} for i in range(3)])).scalars()
            customer_ids = list(ids)
        convs = [await store.load(f"linker-{i}", "web") for i in range(3)]
        # Linked concurrently (one commit); a conversation the CRM lacks fails alone.
        outcomes = await asyncio.gather(
            *(store.link_customer(c.conversation_id, cid)
              for c, cid in zip(convs, customer_ids, strict=True)),
            store.link_customer(10**9, customer_ids[0]), return_exceptions=True)
        assert outcomes[:3] == [None, None, None]
        assert isinstance(outcomes[3], ConversationNotFound)
        async with engine.connect() as conn:
            linked = dict((await conn.execute(
                select(Conversation.id, Conversation.customer_id))).all())
            audit = (await conn.execute(
                select(AuditEntry.actor, AuditEntry.action, AuditEntry.entity_id,
                       AuditEntry.details))).all()
        assert [linked[c.conversation_id] for c in convs] == customer_ids
        assert sorted(audit) == sorted(
            ("bot", "conversation.identify", str(c.conversation_id), {"customer_id": cid})
            for c, cid in zip(convs, customer_ids, strict=True))
    finally:
        await engine.dispose()
