"""``/api/v1/articles``: help-center articles. Agents write drafts; supervisors publish,
edit what is published, and delete. ``/articles/search`` ranks published passages the way
the bot does."""

from __future__ import annotations

from aiohttp import web

from bot.gateway import keys
from bot.gateway.api.article_schemas import (
    ArticleCreate, ArticleOut, ArticlePatch, ArticleQuery, ArticleSearchQuery, PassageOut,
)
from bot.gateway.api.common import actor, changes, render, render_page, unit_of_work
from bot.gateway.api.routes import Operation
from bot.gateway.api.validation import parse_body, parse_query
from bot.gateway.auth import current_principal, require_role
from crm_core.domain import AgentRole
from crm_core.domain.articles import ArticleStatus
from crm_core.services import articles as service

HELP_PREFIX = "/help/"


async def list_articles(request: web.Request) -> web.Response:
    """Articles (drafts included), most recently updated first."""
    query = parse_query(request, ArticleQuery)
    page = await service.list_articles(
        unit_of_work(request), status=query.status, language=query.language,
        category=query.category, limit=query.limit, offset=query.offset, cursor=query.cursor)
    return render_page(ArticleOut, page, query)


async def get_article(request: web.Request) -> web.Response:
    """One article."""
    return render(ArticleOut, await service.get_article(unit_of_work(request),
                                                        request.match_info["slug"]))


async def create_article(request: web.Request) -> web.Response:
    """Write an article (a draft unless a supervisor publishes it at once)."""
    body = await parse_body(request, ArticleCreate)
    if body.status == ArticleStatus.PUBLISHED:
        require_role(request, AgentRole.SUPERVISOR)
    article = await service.create_article(unit_of_work(request), service.NewArticle(
        title=body.title, body=body.body, category=body.category, language=body.language,
        status=body.status, slug=body.slug, author_id=current_principal(request).agent_id),
        actor=actor(request))
    return render(ArticleOut, article, status=201)


async def patch_article(request: web.Request) -> web.Response:
    """Edit an article; publish or unpublish it with ``status``."""
    body = await parse_body(request, ArticlePatch)
    sent = changes(body)
    slug = request.match_info["slug"]
    current = await service.get_article(unit_of_work(request), slug)
    if "status" in sent or current.status == ArticleStatus.PUBLISHED:
        require_role(request, AgentRole.SUPERVISOR)
    article = await service.update_article(unit_of_work(request), slug,
                                           service.ArticleChanges(**sent), actor=actor(request))
    return render(ArticleOut, article)


async def delete_article(request: web.Request) -> web.Response:
    """Delete an article."""
    await service.delete_article(unit_of_work(request), request.match_info["slug"],
                                 actor=actor(request))
    return web.Response(status=204)


async def search_articles(request: web.Request) -> web.Response:
    """Published passages ranked for ``q`` (what the bot would answer with)."""
    query = parse_query(request, ArticleSearchQuery)
    base = request.config_dict.get(keys.KNOWLEDGE)
    hits = [] if base is None else base.index.search(
        query.q, query.language.value if query.language else None, k=query.limit)
    threshold = base.answers.threshold if base is not None else 1.0
    items = [PassageOut(slug=h.passage.slug, title=h.passage.title, heading=h.passage.heading,
                        text=h.passage.text, url=HELP_PREFIX + h.passage.slug,
                        score=round(h.score, 4), confident=h.score >= threshold)
             .model_dump(mode="json") for h in hits]
    return web.json_response({"items": items, "total": len(items), "limit": query.limit,
                              "offset": 0})


_SLUG = "/articles/{slug:[a-z0-9][a-z0-9-]*}"
OPERATIONS = [
    Operation("GET", "/articles", list_articles, "List help-center articles", "articles",
              query=ArticleQuery, response=ArticleOut, paginated=True),
    Operation("POST", "/articles", create_article, "Write an article", "articles",
              body=ArticleCreate, response=ArticleOut, status=201, errors=(403, 404, 409)),
    Operation("GET", "/articles/search", search_articles, "Search published passages",
              "articles", query=ArticleSearchQuery, response=PassageOut, paginated=True),
    Operation("GET", _SLUG, get_article, "Get an article", "articles", response=ArticleOut),
    Operation("PATCH", _SLUG, patch_article, "Edit, publish or unpublish an article",
              "articles", body=ArticlePatch, response=ArticleOut, errors=(403,)),
    Operation("DELETE", _SLUG, delete_article, "Delete an article", "articles",
              least_role=AgentRole.SUPERVISOR, status=204),
]
