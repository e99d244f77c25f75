"""Wire models of ``/api/v1/articles`` (help-center articles)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from bot.gateway.api.schemas import Out
from bot.gateway.api.validation import ApiModel, CursorPageQuery
from crm_core.domain.articles import ArticleLanguage, ArticleStatus

Title = Annotated[str, StringConstraints(min_length=1, max_length=300)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
Category = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=120,
                                        pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]*$")]


class ArticleOut(Out):
    """An article as agents see it."""

    id: int
    slug: str
    title: str
    body: str = Field(description="Markdown (rendered sanitised in the help center).")
    category: str
    language: ArticleLanguage
    status: ArticleStatus
    author_id: int | None
    views: int
    helpful_yes: int
    helpful_no: int
    created_at: datetime
    updated_at: datetime


class ArticleQuery(CursorPageQuery):
    """Filters of the article list."""

    status: ArticleStatus | None = None
    language: ArticleLanguage | None = None
    category: Category | None = None


class ArticleCreate(ApiModel):
    """A new article; only supervisors may create it as ``published``."""

    title: Title
    body: Body
    category: Category
    language: ArticleLanguage
    slug: Slug | None = Field(default=None, description="From the title when omitted.")
    status: ArticleStatus = ArticleStatus.DRAFT


class ArticlePatch(ApiModel):
    """Fields to change; changing ``status`` (publishing) needs a supervisor, and so does
    editing an article that is published."""

    title: Title | None = None
    body: Body | None = None
    category: Category | None = None
    language: ArticleLanguage | None = None
    status: ArticleStatus | None = None


class ArticleSearchQuery(ApiModel):
    """A search of published passages."""

    q: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    language: ArticleLanguage | None = None
    limit: int = Field(default=5, ge=1, le=50)


class PassageOut(Out):
    """One ranked passage; ``confident`` says whether the bot would answer with it."""

    slug: str
    title: str
    heading: str
    text: str
    url: str
    score: float
    confident: bool
