"""Conversations: start, append messages (with NLU results), link the customer, hand off
to the queue, assign an agent, close."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_core.domain.enums import Channel, ConversationStatus, MessageRole
from crm_core.errors import (
    AgentNotFound,
    ConversationNotFound,
    CustomerNotFound,
    InvalidInput,
    RuleViolation,
)
from crm_core.models import AuditEntry, Conversation, Message, utcnow
from crm_core.repositories import Page
from crm_core.services import audit, checks
from crm_core.unit_of_work import UnitOfWork


async def _load(uow: UnitOfWork, conversation_id: int) -> Conversation:
    conversation = await uow.conversations.get(conversation_id)
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    return conversation


def _check_open(conversation: Conversation) -> None:
    if conversation.status is ConversationStatus.CLOSED:
        raise RuleViolation(f"conversation {conversation.id} is closed",
                            details={"conversation": conversation.id, "status": "closed"})


async def start_conversation(uow: UnitOfWork, sender_id: str, channel: Channel, *,
                             customer_id: int | None = None, language: str | None = None,
                             now: datetime | None = None) -> Conversation:
    """Open a new conversation handled by the bot."""
    sender_id = checks.text("sender_id", sender_id, 128, required=True)
    language = checks.clip(language, 16)
    async with uow:
        if customer_id is not None and await uow.customers.get(customer_id) is None:
            raise CustomerNotFound(customer_id)
        conversation = Conversation(sender_id=sender_id, channel=Channel(channel),
                                    customer_id=customer_id, language=language,
                                    status=ConversationStatus.BOT, started_at=now or utcnow())
        uow.conversations.add(conversation)
        await uow.commit()
    return conversation


async def get_or_start_conversation(uow: UnitOfWork, sender_id: str, channel: Channel, *,
                                    language: str | None = None) -> Conversation:
    """The sender's open conversation on this channel, or a new one."""
    async with uow:
        existing = await uow.conversations.latest_for_sender(sender_id, channel)
    if existing is not None:
        return existing
    return await start_conversation(uow, sender_id, channel, language=language)


async def get_conversation(uow: UnitOfWork, conversation_id: int) -> Conversation:
    """The conversation; ``ConversationNotFound`` if none."""
    async with uow:
        return await _load(uow, conversation_id)


async def append_message(uow: UnitOfWork, conversation_id: int, role: MessageRole, text: str,
                         *, intent: str | None = None, confidence: float | None = None,
                         sentiment: float | None = None,
                         now: datetime | None = None) -> Message:
    """Record one message; ``confidence`` in [0, 1], ``sentiment`` in [-1, 1]."""
    if confidence is not None and not 0.0 <= confidence <= 1.0:
        raise InvalidInput("confidence must be between 0 and 1",
                           details={"field": "confidence", "value": confidence})
    if sentiment is not None and not -1.0 <= sentiment <= 1.0:
        raise InvalidInput("sentiment must be between -1 and 1",
                           details={"field": "sentiment", "value": sentiment})
    async with uow:
        conversation = await _load(uow, conversation_id)
        _check_open(conversation)
        message = Message(conversation_id=conversation.id, role=MessageRole(role), text=text,
                          intent=checks.clip(intent, 64), confidence=confidence,
                          sentiment=sentiment,
                          created_at=now or utcnow())
        uow.conversations.add(message)
        await uow.commit()
    return message


async def list_messages(uow: UnitOfWork, conversation_id: int, *, limit: int = 200,
                        offset: int = 0) -> Page[Message]:
    """The conversation's messages, oldest first."""
    async with uow:
        await _load(uow, conversation_id)
        return await uow.conversations.messages(conversation_id, limit=limit, offset=offset)


async def link_customer(uow: UnitOfWork, conversation_id: int, customer_id: int, *,
                        actor: str) -> Conversation:
    """Attach the identified customer to the conversation (e.g. after the bot asked)."""
    async with uow:
        conversation = await _load(uow, conversation_id)
        if await uow.customers.get(customer_id) is None:
            raise CustomerNotFound(customer_id)
        conversation.customer_id = customer_id
        audit.record(uow, actor, "conversation.identify", "conversation", conversation.id,
                     {"customer_id": customer_id})
        await uow.commit()
    return conversation


async def link_customers(conn: AsyncConnection, links: Sequence[tuple[int, int]], *,
                         actor: str) -> None:
    """``link_customer`` for many ``(conversation_id, customer_id)`` pairs on an open
    connection, inside the caller's transaction: the bot's group writer commits them with
    the turns' messages instead of one unit of work each. The same rows result (the
    conversation's customer and one audit entry per link); the customers must exist (the
    foreign key holds), and ``ConversationNotFound`` names a conversation that does not."""
    if not links:
        return
    table = Conversation.__table__
    wanted = {conversation_id for conversation_id, _ in links}
    found = set((await conn.execute(
        select(table.c.id).where(table.c.id.in_(wanted)))).scalars())
    if missing := wanted - found:
        raise ConversationNotFound(min(missing))
    await conn.execute(
        update(table).where(table.c.id == bindparam("b_id"))
        .values(customer_id=bindparam("b_customer")),
        [{"b_id": conversation_id, "b_customer": customer_id}
         for conversation_id, customer_id in links])
    now = utcnow()
    await conn.execute(insert(AuditEntry.__table__), [
        {"actor": actor, "action": "conversation.identify", "entity": "conversation",
         "entity_id": str(conversation_id), "at": now, "details": {"customer_id": customer_id}}
        for conversation_id, customer_id in links])


def mark_queued(uow: UnitOfWork, conversation: Conversation, reason: str, *,
                actor: str) -> None:
    """Inside an open unit of work: the conversation waits in the human queue with
    ``reason`` (``RuleViolation`` if it is closed)."""
    _check_open(conversation)
    conversation.status = ConversationStatus.QUEUED
    conversation.handoff_reason = checks.clip(reason, 200)
    audit.record(uow, actor, "conversation.handoff", "conversation", conversation.id,
                 {"reason": reason})


async def hand_off(uow: UnitOfWork, conversation_id: int, reason: str, *,
                   actor: str) -> Conversation:
    """The bot gives up: the conversation waits in the human queue with ``reason``."""
    async with uow:
        conversation = await _load(uow, conversation_id)
        mark_queued(uow, conversation, reason, actor=actor)
        await uow.commit()
    return conversation


async def assign_agent(uow: UnitOfWork, conversation_id: int, agent_id: int, *,
                       actor: str) -> Conversation:
    """An agent takes the conversation (``with_agent``)."""
    async with uow:
        conversation = await _load(uow, conversation_id)
        _check_open(conversation)
        agent = await uow.agents.get(agent_id)
        if agent is None or not agent.active:
            raise AgentNotFound(agent_id)
        conversation.status, conversation.agent_id = ConversationStatus.WITH_AGENT, agent_id
        audit.record(uow, actor, "conversation.assign", "conversation", conversation.id,
                     {"agent_id": agent_id})
        await uow.commit()
    return conversation


async def close_conversation(uow: UnitOfWork, conversation_id: int, *, actor: str,
                             now: datetime | None = None) -> Conversation:
    """End the conversation (idempotent: closing a closed one changes nothing)."""
    async with uow:
        conversation = await _load(uow, conversation_id)
        if conversation.status is not ConversationStatus.CLOSED:
            conversation.status, conversation.ended_at = ConversationStatus.CLOSED, now or utcnow()
            audit.record(uow, actor, "conversation.close", "conversation", conversation.id)
            await uow.commit()
    return conversation
