"""Support tickets and their comments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.domain.enums import Channel, Priority, TicketStatus
from crm_core.models.base import Base, enum_column, utcnow


class Ticket(Base):
    """A customer problem someone must act on, with SLA due times from the policy."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_customer_status", "customer_id", "status"),
        Index("ix_tickets_status_priority", "status", "priority"),
        # The ticket list (newest first, keyset on created_at, id) unfiltered and by
        # status or priority.
        Index("ix_tickets_created_id", "created_at", "id"),
        Index("ix_tickets_status_created", "status", "created_at", "id"),
        Index("ix_tickets_priority_created", "priority", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.NORMAL)
    status: Mapped[TicketStatus] = mapped_column(
        enum_column(TicketStatus), default=TicketStatus.NEW
    )
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), default=Channel.WEB)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), index=True
    )
    first_response_due: Mapped[datetime | None]
    resolution_due: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    comments: Mapped[list[TicketComment]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", lazy="raise",
        order_by="TicketComment.id",
    )


class TicketComment(Base):
    """A reply on a ticket: public (the customer sees it) or an internal note."""

    __tablename__ = "ticket_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    # Exactly one author kind: an agent (author_agent_id), or the customer/bot/system.
    author_type: Mapped[str] = mapped_column(String(16), default="agent")
    author_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="comments", lazy="raise")
