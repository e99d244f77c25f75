"""Wire the knowledge base into the app: a cleanup_ctx that builds the index of published
articles at start-up, polls for changes, and puts it at ``keys.KNOWLEDGE``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.gateway import keys
from bot.knowledge.answers import AnswerConfig
from bot.knowledge.live import KnowledgeBase
from bot.knowledge.passages import ArticleDoc

log = logging.getLogger(__name__)


def crm_knowledge_base(session_factory: object, answers: AnswerConfig) -> KnowledgeBase:
    """A knowledge base over the CRM's published articles."""
    from crm_core.services import articles
    from crm_core.unit_of_work import SqlUnitOfWork

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory)  # type: ignore[arg-type]

    async def load() -> list[ArticleDoc]:
        return [ArticleDoc(a.slug, a.title, a.body, a.category, str(a.language))
                for a in await articles.published_articles(uow())]

    async def version() -> object:
        return await articles.articles_version(uow())

    return KnowledgeBase(load, version, answers=answers)


async def knowledge_ctx(app: web.Application) -> AsyncIterator[None]:
    """Build the index, then keep it fresh for the app's life."""
    settings = app[keys.SETTINGS]
    base = crm_knowledge_base(app[keys.SESSION_FACTORY],
                              AnswerConfig(threshold=settings.knowledge_threshold))
    try:
        await base.refresh()
    except Exception:  # noqa: BLE001 - no articles table yet: start empty, poll on
        log.exception("knowledge index: first build failed; the poller retries")
    app[keys.KNOWLEDGE] = base
    task = asyncio.create_task(base.poll(settings.knowledge_poll_seconds))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def setup_knowledge(app: web.Application) -> None:
    """Register the knowledge base (after the database, before the dialogue engine)."""
    app.cleanup_ctx.append(knowledge_ctx)
