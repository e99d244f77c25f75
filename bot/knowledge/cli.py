"""``kefu kb``: import a folder of Markdown articles, search the published ones."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

HELP_PREFIX = "/help/"


def _settings():  # noqa: ANN202 - bot.settings.Settings; imported lazily
    from bot.cli import load_settings

    return load_settings()


@click.group()
def kb() -> None:
    """The knowledge base: help-center articles the bot answers from."""


@kb.command(name="import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_(folder: Path) -> None:
    """Create or update (by slug) an article from every *.md in FOLDER with YAML front
    matter: title, category, language (en|zh), optional slug, status (default published)."""
    from crm_core.errors import KefuError
    from crm_core.importers.articles import import_folder

    settings = _settings()
    try:
        report = asyncio.run(import_folder(settings.database_url, folder))
    except KefuError as exc:
        raise click.ClickException(exc.message) from None
    for name, reason in report.bad.items():
        click.echo(f"bad front matter in {name}: {reason}", err=True)
    r = report.result
    assert r is not None
    click.echo(f"read {report.files} files: {len(r.created)} created, {len(r.updated)} "
               f"updated, {len(r.unchanged)} unchanged, {len(report.bad)} bad")


async def _search(url: str, query: str, language: str | None, limit: int) -> list[dict]:
    from bot.knowledge.index import KnowledgeIndex
    from bot.knowledge.setup import crm_knowledge_base
    from bot.knowledge.answers import AnswerConfig
    from crm_core.db import create_engine, create_session_factory
    from crm_core.schema import ensure_current

    await ensure_current(url)
    engine = create_engine(url)
    try:
        base = crm_knowledge_base(create_session_factory(engine), AnswerConfig())
        await base.refresh()
    finally:
        await engine.dispose()
    index: KnowledgeIndex = base.index
    threshold = base.answers.threshold
    return [{"rank": n, "score": round(h.score, 4), "bm25": round(h.bm25, 4),
             "cosine": round(h.cosine, 4), "confident": h.score >= threshold,
             "slug": h.passage.slug, "title": h.passage.title, "language": h.passage.language,
             "heading": h.passage.heading, "url": HELP_PREFIX + h.passage.slug,
             "text": h.passage.text}
            for n, h in enumerate(index.search(query, language, k=limit), 1)]


@kb.command()
@click.argument("query")
@click.option("--language", type=click.Choice(["en", "zh"]), default=None,
              help="Only articles in this language.")
@click.option("--limit", type=click.IntRange(1, 100), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the passages as JSON.")
def search(query: str, language: str | None, limit: int, as_json: bool) -> None:
    """The published passages best matching QUERY, ranked, with their scores."""
    from crm_core.errors import KefuError

    settings = _settings()
    try:
        hits = asyncio.run(_search(settings.database_url, query, language, limit))
    except KefuError as exc:
        raise click.ClickException(exc.message) from None
    if as_json:
        click.echo(json.dumps({"query": query, "language": language, "results": hits},
                              ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("no published article matches")
    for h in hits:
        mark = "" if h["confident"] else "  (below the answer threshold)"
        click.echo(f"{h['rank']}. {h['score']:.3f}  {h['title']}"
                   f"{' > ' + h['heading'] if h['heading'] else ''}  {h['url']}{mark}")
        click.echo("   " + h["text"].replace("\n", "\n   ")[:400])
