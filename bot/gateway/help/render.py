"""Markdown to safe HTML, and search snippets with the query's words highlighted.

markdown-it-py in CommonMark mode with raw HTML off: a ``<script>`` in an article is shown
as text, and its link validator refuses ``javascript:``/``data:`` URLs. Snippets are
escaped first and only then marked, so nothing from an article reaches the page as markup.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from bot.knowledge.tokens import tokenize

SNIPPET_CHARS = 240
_HAN = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}
                      ).enable("table")


def render_markdown(body: str) -> Markup:
    """An article body as HTML that contains no markup of the author's own."""
    return Markup(_markdown().render(body))  # noqa: S704 - raw HTML is disabled above


def _pattern(query: str) -> re.Pattern[str] | None:
    """Words of the query as a regex: Latin stems match as word prefixes (ship ->
    shipping), Chinese words literally."""
    words = {w for w in tokenize(query) if len(w) > 1 or _HAN.match(w)}
    if not words:
        return None
    parts = sorted((re.escape(w) if _HAN.match(w) else r"\b" + re.escape(w) + r"\w*"
                    for w in words), key=len, reverse=True)
    return re.compile("|".join(parts), re.IGNORECASE)


def snippet(text: str, query: str, limit: int = SNIPPET_CHARS) -> Markup:
    """Up to ``limit`` characters of ``text`` around the first match, escaped, with the
    query's words in ``<mark>``."""
    pattern = _pattern(query)
    start = 0
    if pattern is not None and (first := pattern.search(text)) is not None:
        start = max(0, first.start() - limit // 3)
    piece = text[start:start + limit]
    prefix, suffix = ("… " if start else ""), (" …" if start + limit < len(text) else "")
    escaped = str(escape(piece))
    if pattern is not None:
        escaped = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped)
    return Markup(prefix + escaped + suffix)  # noqa: S704 - escaped above, <mark> ours
