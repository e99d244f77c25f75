"""``/help`` pages: home (categories), a category, an article, search. ``?lang=en|zh``
picks the language (default: the browser's Accept-Language)."""

from __future__ import annotations

from aiohttp import web

from bot.gateway import keys
from bot.gateway.help.render import render_markdown, snippet
from bot.gateway.help.templates_env import render_page
from crm_core.domain.articles import ArticleLanguage, ArticleStatus
from crm_core.errors import ArticleNotFound
from crm_core.services import articles as service
from crm_core.unit_of_work import SqlUnitOfWork

MAX_QUERY = 200
_TEXT = {
    "en": {"title": "Help center", "search": "Search", "placeholder": "Search the help center",
           "results": "Results for", "none": "No article matches. Try other words, or ask us "
           "in the chat.", "articles": "articles", "home": "All categories",
           "chat": "Chat with us", "other": "中文", "updated": "Updated",
           "helpful": "people found this helpful"},
    "zh": {"title": "帮助中心", "search": "搜索", "placeholder": "搜索帮助中心",
           "results": "搜索结果：", "none": "没有找到相关文章。换个说法试试，或在聊天中问我们。",
           "articles": "篇文章", "home": "全部分类", "chat": "在线咨询", "other": "English",
           "updated": "更新于", "helpful": "人觉得有帮助"},
}


def _uow(request: web.Request) -> SqlUnitOfWork:
    return SqlUnitOfWork(request.config_dict[keys.SESSION_FACTORY])


def language(request: web.Request) -> ArticleLanguage:
    """``?lang=``, else the browser's first choice among en and zh, else English."""
    asked = request.query.get("lang", "")
    if asked in ("en", "zh"):
        return ArticleLanguage(asked)
    accept = request.headers.get("Accept-Language", "").lower()
    return ArticleLanguage.ZH if accept.startswith("zh") else ArticleLanguage.EN


def _page(request: web.Request, template: str, lang: ArticleLanguage, status: int = 200,
          **context: object) -> web.Response:
    other = ArticleLanguage.ZH if lang == ArticleLanguage.EN else ArticleLanguage.EN
    html = render_page(template, lang=lang.value, other=other.value, t=_TEXT[lang.value],
                       path=request.path, q=request.query.get("q", "")[:MAX_QUERY], **context)
    return web.Response(text=html, content_type="text/html", status=status)


async def home(request: web.Request) -> web.Response:
    """The categories of the chosen language with their article counts."""
    lang = language(request)
    return _page(request, "home.html", lang, categories=await service.categories(_uow(request),
                                                                                  lang))


async def category(request: web.Request) -> web.Response:
    """The published articles of one category."""
    lang = language(request)
    name = request.match_info["category"]
    page = await service.list_articles(_uow(request), status=ArticleStatus.PUBLISHED,
                                       language=lang, category=name[:64], limit=200)
    if not page.items:
        raise web.HTTPNotFound(text="no such category")
    items = sorted(page.items, key=lambda a: a.title.lower())
    return _page(request, "category.html", lang, category=name, articles=items)


async def article(request: web.Request) -> web.Response:
    """One published article, its Markdown rendered without raw HTML; counts a view."""
    try:
        found = await service.get_article(_uow(request), request.match_info["slug"],
                                          published_only=True)
    except ArticleNotFound:
        return _page(request, "missing.html", language(request), status=404)
    await service.record_view(_uow(request), found.id)
    return _page(request, "article.html", ArticleLanguage(found.language), article=found,
                 html=render_markdown(found.body))


async def search(request: web.Request) -> web.Response:
    """Published passages ranked for ``q``, one per article, with highlighted snippets."""
    lang = language(request)
    query = request.query.get("q", "").strip()[:MAX_QUERY]
    results = []
    base = request.config_dict.get(keys.KNOWLEDGE)
    if query and base is not None:
        seen: set[str] = set()
        for hit in base.index.search(query, lang.value, k=30):
            if hit.passage.slug in seen or hit.score <= 0.05:
                continue
            seen.add(hit.passage.slug)
            results.append({"slug": hit.passage.slug, "title": hit.passage.title,
                            "heading": hit.passage.heading,
                            "snippet": snippet(hit.passage.text, query)})
    return _page(request, "search.html", lang, results=results[:10])
