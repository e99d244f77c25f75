"""Help-center articles written by agents, published by supervisors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.domain.articles import ArticleLanguage, ArticleStatus
from crm_core.models.base import Base, enum_column, utcnow


class Article(Base):
    """One help-center article: Markdown body, unique slug, counts of views and votes."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_status_language", "status", "language"),
        # The retrieval index polls max(updated_at) to know when to rebuild.
        Index("ix_articles_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(64))
    language: Mapped[ArticleLanguage] = mapped_column(enum_column(ArticleLanguage, 8))
    status: Mapped[ArticleStatus] = mapped_column(enum_column(ArticleStatus),
                                                  default=ArticleStatus.DRAFT)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), index=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
    helpful_yes: Mapped[int] = mapped_column(Integer, default=0)
    helpful_no: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
