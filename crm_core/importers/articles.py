"""A folder of Markdown help-center articles, each with YAML front matter:

    ---
    title: Do you ship to Canada?
    category: shipping
    language: en          # en or zh
    slug: ship-to-canada  # optional: from the title
    status: published     # optional: published (default) or draft
    ---
    Yes. Parcels to Canada take 5-8 business days...

Importing again updates articles by slug and never duplicates them. A file whose front
matter is bad is reported by name; the others are still imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from crm_core.domain.articles import ArticleLanguage, ArticleStatus
from crm_core.errors import InvalidInput
from crm_core.services.articles import ImportResult, NewArticle, check_article, import_articles


class FrontMatter(BaseModel):
    """The keys an article file must (or may) carry; other keys are ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    title: str
    category: str
    language: ArticleLanguage
    slug: str | None = None
    status: ArticleStatus = ArticleStatus.PUBLISHED


@dataclass
class FolderImport:
    """What reading (and importing) a folder did; ``bad`` maps file name to reason."""

    files: int = 0
    bad: dict[str, str] = field(default_factory=dict)
    result: ImportResult | None = None


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'front matter'}: {e['msg']}"
                         for e in exc.errors())
    if isinstance(exc, InvalidInput):
        return exc.message
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:200]


def read_article(path: Path) -> NewArticle:
    """One file as a checked article (``ValueError`` and friends say what is wrong)."""
    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    if not post.metadata:
        raise InvalidInput("no YAML front matter (--- title/category/language ---)")
    meta: dict[str, Any] = post.metadata
    fm = FrontMatter.model_validate(meta)
    return check_article(NewArticle(title=fm.title, body=post.content, category=fm.category,
                                    language=fm.language, status=fm.status, slug=fm.slug))


def read_folder(folder: Path) -> tuple[list[NewArticle], FolderImport]:
    """Every ``*.md`` under ``folder`` (sorted, so reports are stable) that reads cleanly;
    the report names each file that does not, and the second file claiming a slug."""
    report = FolderImport()
    articles: dict[str, NewArticle] = {}
    for path in sorted(folder.rglob("*.md")):
        report.files += 1
        name = str(path.relative_to(folder))
        try:
            article = read_article(path)
        except (ValidationError, InvalidInput, yaml.YAMLError, UnicodeDecodeError,
                ValueError, TypeError) as exc:
            report.bad[name] = _reason(exc)
            continue
        if article.slug in articles:
            report.bad[name] = f"slug {article.slug!r} is already used by another file"
            continue
        articles[article.slug or ""] = article
    return list(articles.values()), report


async def import_folder(url: str, folder: Path, *, actor: str = "cli") -> FolderImport:
    """Read ``folder`` and create or update its articles in the database at ``url``."""
    from crm_core.db import create_engine, create_session_factory
    from crm_core.schema import ensure_current
    from crm_core.unit_of_work import SqlUnitOfWork

    articles, report = read_folder(folder)
    await ensure_current(url)  # a clear "run kefu db upgrade" rather than "no such table"
    engine = create_engine(url)
    try:
        report.result = await import_articles(
            SqlUnitOfWork(create_session_factory(engine)), articles, actor=actor)
    finally:
        await engine.dispose()
    return report
