"""The index of published articles, kept fresh: a poll of the articles' version (count
and latest ``updated_at``) every few seconds rebuilds it in a thread and swaps it in, so
every worker process answers from an edit within seconds, without a restart."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.knowledge.answers import AnswerConfig, confident_hits
from bot.knowledge.index import Hit, HybridConfig, KnowledgeIndex
from bot.knowledge.passages import ArticleDoc

log = logging.getLogger(__name__)


class KnowledgeBase:
    """The current index plus the loop that keeps it fresh."""

    def __init__(self, load: Callable[[], Awaitable[list[ArticleDoc]]],
                 version: Callable[[], Awaitable[Any]], *,
                 answers: AnswerConfig | None = None, hybrid: HybridConfig | None = None,
                 ) -> None:
        self._load, self._version = load, version
        self.answers = answers or AnswerConfig()
        self.hybrid = hybrid or HybridConfig()
        self.index = KnowledgeIndex(self.hybrid).fit([])
        self._seen: Any = object()
        self._lock = asyncio.Lock()

    async def refresh(self) -> bool:
        """Rebuild when any article changed since the last build; True if it did."""
        async with self._lock:
            version = await self._version()
            if version == self._seen:
                return False
            docs = await self._load()
            index = await asyncio.to_thread(KnowledgeIndex(self.hybrid).fit, docs)
            self.index, self._seen = index, version
            log.info("knowledge index: %d passages from %d articles",
                     len(index.passages_), len(docs))
            return True

    async def poll(self, seconds: float) -> None:
        """Refresh every ``seconds`` until cancelled (errors are logged, never fatal)."""
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.refresh()
            except Exception:  # noqa: BLE001 - a bad moment of the database must not stop it
                log.exception("knowledge index refresh failed")

    def hits(self, question: str, language: str | None) -> list[Hit]:
        """Passages worth answering with (empty: the bot does not know)."""
        return confident_hits(self.index, question, language, self.answers)
