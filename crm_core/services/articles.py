"""Help-center articles: write, publish, import by slug, count views and votes.

Every change is audited in its own transaction. Who may publish is the caller's rule
(the REST API lets agents write drafts and supervisors publish); the service checks the
data: lengths, an existing author, a unique slug.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from crm_core.domain.articles import ArticleLanguage, ArticleStatus, clean_slug, make_slug
from crm_core.errors import AgentNotFound, ArticleNotFound, DuplicateKey, InvalidInput
from crm_core.models import Article, utcnow
from crm_core.repositories import Page
from crm_core.services import audit, checks
from crm_core.services.checks import UNSET, Unset
from crm_core.unit_of_work import UnitOfWork

MAX_BODY = 100_000


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article to write; ``slug`` None means: from the title."""

    title: str
    body: str
    category: str
    language: ArticleLanguage
    status: ArticleStatus = ArticleStatus.DRAFT
    slug: str | None = None
    author_id: int | None = None


@dataclass(frozen=True, slots=True)
class ArticleChanges:
    """A partial update: ``UNSET`` fields stay as they are."""

    title: str | Unset = UNSET
    body: str | Unset = UNSET
    category: str | Unset = UNSET
    language: ArticleLanguage | Unset = UNSET
    status: ArticleStatus | Unset = UNSET


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did, by slug."""

    created: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]


def check_article(data: NewArticle) -> NewArticle:
    """The article with its fields checked and normalised, its slug filled in
    (``InvalidInput`` naming the bad field)."""
    title = checks.text("title", data.title, 300, required=True) or ""
    slug = clean_slug(data.slug) if data.slug else make_slug(title)
    if not slug:
        raise InvalidInput("slug must contain letters or digits", details={"field": "slug"})
    return replace(
        data, title=title, slug=slug,
        body=checks.text("body", data.body, MAX_BODY, required=True) or "",
        category=checks.text("category", data.category, 64, required=True) or "",
        language=ArticleLanguage(data.language), status=ArticleStatus(data.status))


def _changes(changes: ArticleChanges) -> dict[str, object]:
    values = checks.sent(changes)
    checks.no_nulls("article", values, ("title", "body", "category", "language", "status"))
    limits = {"title": 300, "body": MAX_BODY, "category": 64}
    for field, limit in limits.items():
        if field in values:
            values[field] = checks.text(field, values[field], limit, required=True)  # type: ignore[arg-type]
    return values


async def _load(uow: UnitOfWork, slug: str) -> Article:
    article = await uow.articles.get_by_slug(slug)
    if article is None:
        raise ArticleNotFound(slug)
    return article


async def create_article(uow: UnitOfWork, data: NewArticle, *, actor: str) -> Article:
    """Write a new article; ``DuplicateKey`` when its slug is taken."""
    data = check_article(data)
    async with uow:
        if await uow.articles.get_by_slug(data.slug or "") is not None:
            raise DuplicateKey("article", "slug", data.slug)
        if data.author_id is not None and await uow.agents.get(data.author_id) is None:
            raise AgentNotFound(data.author_id)
        now = utcnow()
        article = Article(slug=data.slug, title=data.title, body=data.body,
                          category=data.category, language=data.language,
                          status=data.status, author_id=data.author_id, views=0,
                          helpful_yes=0, helpful_no=0, created_at=now, updated_at=now)
        uow.articles.add(article)
        await uow.flush()
        audit.record(uow, actor, "article.create", "article", article.slug,
                     {"status": str(data.status), "language": str(data.language)})
        await uow.commit()
    return article


async def update_article(uow: UnitOfWork, slug: str, changes: ArticleChanges, *,
                         actor: str) -> Article:
    """Change an article's fields (publishing is ``status=published``)."""
    values = _changes(changes)
    async with uow:
        article = await _load(uow, slug)
        changed = {k: v for k, v in values.items() if getattr(article, k) != v}
        for key, value in changed.items():
            setattr(article, key, value)
        if changed:
            article.updated_at = utcnow()
            audit.record(uow, actor, "article.update", "article", slug,
                         {"fields": sorted(changed),
                          **({"status": str(changed["status"])} if "status" in changed else {})})
        await uow.commit()
    return article


async def delete_article(uow: UnitOfWork, slug: str, *, actor: str) -> None:
    """Remove an article (the help center and the bot stop showing it)."""
    async with uow:
        article = await _load(uow, slug)
        await uow.articles.delete(article)
        audit.record(uow, actor, "article.delete", "article", slug, {"title": article.title})
        await uow.commit()


async def get_article(uow: UnitOfWork, slug: str, *, published_only: bool = False) -> Article:
    """The article with this slug; with ``published_only`` drafts are not found either."""
    async with uow:
        article = await _load(uow, slug)
    if published_only and article.status != ArticleStatus.PUBLISHED:
        raise ArticleNotFound(slug)
    return article


async def list_articles(uow: UnitOfWork, *, status: ArticleStatus | None = None,
                        language: ArticleLanguage | None = None, category: str | None = None,
                        limit: int = 50, offset: int = 0,
                        cursor: str | None = None) -> Page[Article]:
    """Articles matching every filter, most recently updated first."""
    async with uow:
        return await uow.articles.list(status=status, language=language, category=category,
                                       limit=limit, offset=offset, cursor=cursor)


async def published_articles(uow: UnitOfWork) -> list[Article]:
    """Every published article."""
    async with uow:
        return await uow.articles.published()


async def categories(uow: UnitOfWork, language: ArticleLanguage) -> list[tuple[str, int]]:
    """The help center's categories in ``language`` with their article counts."""
    async with uow:
        return await uow.articles.categories(language)


async def articles_version(uow: UnitOfWork) -> tuple[int, datetime | None]:
    """A value that changes whenever any article changes (count, latest update)."""
    async with uow:
        return await uow.articles.version()


async def import_articles(uow: UnitOfWork, drafts: Iterable[NewArticle], *,
                          actor: str) -> ImportResult:
    """Create or update articles by slug in one transaction (importing twice duplicates
    nothing; an unchanged file changes nothing, not even ``updated_at``)."""
    checked = [check_article(d) for d in drafts]
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    async with uow:
        for data in checked:
            article = await uow.articles.get_by_slug(data.slug or "")
            if article is None:
                now = utcnow()
                uow.articles.add(Article(
                    slug=data.slug, title=data.title, body=data.body, category=data.category,
                    language=data.language, status=data.status, author_id=None, views=0,
                    helpful_yes=0, helpful_no=0, created_at=now, updated_at=now))
                created.append(data.slug or "")
                continue
            fields = ("title", "body", "category", "language", "status")
            changed = [f for f in fields if getattr(article, f) != getattr(data, f)]
            for f in changed:
                setattr(article, f, getattr(data, f))
            if changed:
                article.updated_at = utcnow()
                updated.append(article.slug)
            else:
                unchanged.append(article.slug)
        await uow.flush()
        audit.record(uow, actor, "article.import", "article", "*",
                     {"created": len(created), "updated": len(updated),
                      "unchanged": len(unchanged)})
        await uow.commit()
    return ImportResult(tuple(created), tuple(updated), tuple(unchanged))


async def record_view(uow: UnitOfWork, article_id: int) -> None:
    """Count one view of a help-center page."""
    async with uow:
        await uow.articles.bump(article_id, views=1)
        await uow.commit()


async def record_vote(uow: UnitOfWork, slug: str, helpful: bool, *, actor: str = audit.BOT,
                      conversation_id: int | None = None) -> None:
    """Count a "Did this answer your question?" vote (``ArticleNotFound`` if it is gone);
    the audit entry says which conversation the bot resolved (or did not)."""
    async with uow:
        article = await _load(uow, slug)
        await uow.articles.bump(article.id, helpful_yes=int(helpful),
                                helpful_no=int(not helpful))
        audit.record(uow, actor, "article.vote", "article", slug,
                     {"helpful": helpful, "conversation_id": conversation_id})
        await uow.commit()
