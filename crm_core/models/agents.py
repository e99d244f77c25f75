"""Human agents, their skills, and the audit log of who did what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.domain.enums import AgentRole, Presence
from crm_core.models.base import Base, JsonType, enum_column, utcnow


class Agent(Base):
    """A person who answers customers in the console (argon2 password hash only)."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[AgentRole] = mapped_column(enum_column(AgentRole), default=AgentRole.AGENT)
    # Language codes the agent works in, e.g. ["en", "zh"].
    languages: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # Concurrent conversations per channel, e.g. {"web": 3, "voice": 1}.
    capacity: Mapped[dict[str, Any]] = mapped_column(default=dict)
    presence: Mapped[Presence] = mapped_column(enum_column(Presence), default=Presence.OFFLINE)
    # The team the agent belongs to (e.g. "billing", "night shift"), for per-team reports;
    # None for agents not put in a team.
    team: Mapped[str | None] = mapped_column(String(64), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Signed into every token; bumped on a password change or when disabled, so older
    # tokens are refused (``bot.gateway.auth``).
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    skills: Mapped[list[AgentSkill]] = relationship(
        back_populates="agent", cascade="all, delete-orphan", lazy="selectin",
        order_by="AgentSkill.skill",
    )


class AgentSkill(Base):
    """How good an agent is at one skill (1 novice .. 5 expert); routing reads this."""

    __tablename__ = "agent_skills"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        Index("ix_agent_skills_skill_level", "skill", "level"),
    )

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)

    agent: Mapped[Agent] = relationship(back_populates="skills", lazy="raise")


class AuditEntry(Base):
    """Who (``actor``, e.g. "agent:7", "bot", "system") did what to which entity, when."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        # The audit list filters by entity_id alone too ("everything about T-10042").
        Index("ix_audit_log_entity_id", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
