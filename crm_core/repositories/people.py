"""Conversations and messages, agents, CSAT ratings, the audit log."""

from __future__ import annotations

from sqlalchemy import exists, func, literal, select

from crm_core.domain.access import AgentStanding
from crm_core.domain.enums import AgentRole, Channel, ConversationStatus
from crm_core.models import Agent, AgentSkill, AuditEntry, Conversation, CsatRating, Message
from crm_core.repositories.base import Page, Repository
from crm_core.repositories.scope import held_customer_ids


class ConversationRepository(Repository):
    """Queries over conversations and their messages."""

    async def get(self, conversation_id: int) -> Conversation | None:
        """The conversation with this id, or None."""
        return await self._session.get(Conversation, conversation_id)

    async def latest_for_sender(self, sender_id: str,
                                channel: Channel | None = None) -> Conversation | None:
        """The sender's most recent conversation that is not closed, or None."""
        stmt = (select(Conversation)
                .where(Conversation.sender_id == sender_id,
                       Conversation.status != ConversationStatus.CLOSED)
                .order_by(Conversation.started_at.desc(), Conversation.id.desc()).limit(1))
        if channel:
            stmt = stmt.where(Conversation.channel == Channel(channel))
        return (await self._session.scalars(stmt)).first()

    async def messages(self, conversation_id: int, *, limit: int = 200,
                       offset: int = 0) -> Page[Message]:
        """A conversation's messages, oldest first."""
        stmt = (select(Message).where(Message.conversation_id == conversation_id)
                .order_by(Message.created_at, Message.id))
        return await self._page(stmt, limit, offset)

    async def list(self, *, status: ConversationStatus | None = None,
                   customer_id: int | None = None, agent_id: int | None = None,
                   limit: int = 50, offset: int = 0) -> Page[Conversation]:
        """Conversations matching all given filters, newest first."""
        stmt = select(Conversation).order_by(Conversation.started_at.desc(),
                                             Conversation.id.desc())
        if status:
            stmt = stmt.where(Conversation.status == ConversationStatus(status))
        if customer_id is not None:
            stmt = stmt.where(Conversation.customer_id == customer_id)
        if agent_id is not None:
            stmt = stmt.where(Conversation.agent_id == agent_id)
        return await self._page(stmt, limit, offset)


class AgentRepository(Repository):
    """Queries over agents (skills are always loaded with them)."""

    async def get(self, agent_id: int) -> Agent | None:
        """The agent with this id, or None."""
        return await self._session.get(Agent, agent_id)

    async def standing(self, agent_id: int) -> AgentStanding | None:
        """Role, active flag and token version of one agent: one primary-key lookup of
        four columns (run on every authenticated request), or None if no such agent."""
        stmt = select(Agent.id, Agent.role, Agent.active, Agent.token_version).where(
            Agent.id == agent_id)
        row = (await self._session.execute(stmt)).first()
        if row is None:
            return None
        return AgentStanding(row.id, AgentRole(row.role), bool(row.active),
                             int(row.token_version))

    async def holds_customer(self, agent_id: int, customer_id: int) -> bool:
        """True when the agent holds an open conversation or open ticket of the customer."""
        stmt = select(literal(1)).where(
            literal(customer_id).in_(held_customer_ids(agent_id)))
        return (await self._session.execute(stmt)).first() is not None

    async def get_by_email(self, email: str) -> Agent | None:
        """The agent with this email (case-insensitive), or None."""
        stmt = select(Agent).where(Agent.email == email.strip().lower())
        return (await self._session.scalars(stmt)).first()

    async def list(self, *, active: bool | None = True, role: AgentRole | None = None,
                   skill: str | None = None, min_level: int = 1, language: str | None = None,
                   limit: int = 50, offset: int = 0) -> Page[Agent]:
        """Agents matching all given filters, by id; ``skill`` needs at least ``min_level``."""
        stmt = select(Agent).order_by(Agent.id)
        if active is not None:
            stmt = stmt.where(Agent.active == active)
        if role:
            stmt = stmt.where(Agent.role == AgentRole(role))
        if skill:
            stmt = stmt.where(Agent.id.in_(
                select(AgentSkill.agent_id).where(AgentSkill.skill == skill,
                                                  AgentSkill.level >= min_level)))
        if language:
            stmt = stmt.where(self._speaks(language))
        return await self._page(stmt, limit, offset)

    def _speaks(self, language: str):  # noqa: ANN202 - a SQL boolean expression
        """``agents.languages`` (a JSON list) contains ``language``, in each dialect."""
        if self._session.get_bind().dialect.name == "postgresql":
            return Agent.languages.op("@>")(func.jsonb_build_array(language))
        each = func.json_each(Agent.languages).table_valued("value")
        return exists(select(literal(1)).select_from(each).where(each.c.value == language))


class CsatRepository(Repository):
    """CSAT ratings."""

    async def for_conversation(self, conversation_id: int) -> CsatRating | None:
        """The rating given for a conversation, or None."""
        stmt = select(CsatRating).where(CsatRating.conversation_id == conversation_id)
        return (await self._session.scalars(stmt)).first()

    async def list(self, *, agent_id: int | None = None, limit: int = 50,
                   offset: int = 0) -> Page[CsatRating]:
        """Ratings, newest first, optionally for one agent."""
        stmt = select(CsatRating).order_by(CsatRating.created_at.desc(), CsatRating.id.desc())
        if agent_id is not None:
            stmt = stmt.where(CsatRating.agent_id == agent_id)
        return await self._page(stmt, limit, offset)


class AuditRepository(Repository):
    """The append-only audit log."""

    async def list(self, *, entity: str | None = None, entity_id: str | None = None,
                   actor: str | None = None, limit: int = 50,
                   offset: int = 0) -> Page[AuditEntry]:
        """Entries matching all given filters, newest first."""
        stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        if entity:
            stmt = stmt.where(AuditEntry.entity == entity)
        if entity_id is not None:
            stmt = stmt.where(AuditEntry.entity_id == str(entity_id))
        if actor:
            stmt = stmt.where(AuditEntry.actor == actor)
        return await self._page(stmt, limit, offset)
