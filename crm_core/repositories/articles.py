"""Help-center articles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from crm_core.domain.articles import ArticleLanguage, ArticleStatus
from crm_core.models import Article
from crm_core.repositories.base import Keyset, Page, Repository

ARTICLE_KEYSET = Keyset("articles", (Article.updated_at, Article.id), descending=True)


class ArticleRepository(Repository):
    """Queries over articles."""

    async def get(self, article_id: int) -> Article | None:
        """The article with this id, or None."""
        return await self._session.get(Article, article_id)

    async def get_by_slug(self, slug: str) -> Article | None:
        """The article with this slug, or None."""
        stmt = select(Article).where(Article.slug == slug)
        return (await self._session.scalars(stmt)).first()

    async def list(self, *, status: ArticleStatus | None = None,
                   language: ArticleLanguage | None = None, category: str | None = None,
                   limit: int = 50, offset: int = 0,
                   cursor: str | None = None) -> Page[Article]:
        """Articles matching every given filter, most recently updated first."""
        stmt = select(Article)
        if status is not None:
            stmt = stmt.where(Article.status == status)
        if language is not None:
            stmt = stmt.where(Article.language == language)
        if category is not None:
            stmt = stmt.where(Article.category == category)
        return await self._keyset_page(stmt, ARTICLE_KEYSET, limit=limit, offset=offset,
                                       cursor=cursor)

    async def published(self) -> list[Article]:
        """Every published article (what the help center shows and the bot answers from)."""
        stmt = select(Article).where(Article.status == ArticleStatus.PUBLISHED).order_by(
            Article.id)
        return list((await self._session.scalars(stmt)).all())

    async def categories(self, language: ArticleLanguage) -> list[tuple[str, int]]:
        """Categories of published articles in ``language`` with their article counts."""
        stmt = (select(Article.category, func.count()).where(
            Article.status == ArticleStatus.PUBLISHED, Article.language == language)
            .group_by(Article.category).order_by(Article.category))
        return [(c, n) for c, n in (await self._session.execute(stmt)).all()]

    async def version(self) -> tuple[int, datetime | None]:
        """(number of articles, latest update): changes whenever an article is added,
        edited, published or deleted, so a poller knows when to rebuild."""
        row = (await self._session.execute(
            select(func.count(), func.max(Article.updated_at)))).one()
        return int(row[0]), row[1]

    async def bump(self, article_id: int, *, views: int = 0, helpful_yes: int = 0,
                   helpful_no: int = 0) -> None:
        """Add to the counters in one UPDATE (no lost increments under concurrency)."""
        await self._session.execute(update(Article).where(Article.id == article_id).values(
            views=Article.views + views, helpful_yes=Article.helpful_yes + helpful_yes,
            helpful_no=Article.helpful_no + helpful_no))

    async def delete(self, article: Article) -> None:
        """Remove an article."""
        await self._session.delete(article)
