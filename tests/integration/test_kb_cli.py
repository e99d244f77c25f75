"""The ``kefu kb`` contract: import a folder (front matter, update by slug, bad files
named and skipped) into KEFU_DATABASE_URL; search prints ranked passages with scores."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from crm_core.db import create_engine, create_session_factory
from crm_core.services import articles
from crm_core.unit_of_work import SqlUnitOfWork

CANADA = """---
title: Do you ship to Canada?
category: shipping
language: en
---
# Canada

Yes, we ship to Canada. Parcels arrive in 5-8 business days.
"""
ZH = """---
title: 配送到加拿大
category: 配送
language: zh
slug: ship-canada-zh
status: draft
---
我们可以配送到加拿大，五到八个工作日送达。
"""


def _kefu(url: str, *args: str):
    result = CliRunner().invoke(main, list(args), env={"KEFU_DATABASE_URL": url},
                                catch_exceptions=False)
    return result


async def _all(url: str) -> list:
    engine = create_engine(url)
    try:
        return (await articles.list_articles(SqlUnitOfWork(create_session_factory(engine)),
                                             limit=50)).items
    finally:
        await engine.dispose()


@pytest.mark.postgres
def test_import_updates_by_slug_and_names_bad_files(database_url: str,
                                                          tmp_path: Path) -> None:
    assert _kefu(database_url, "db", "upgrade").exit_code == 0
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "canada.md").write_text(CANADA, encoding="utf-8")
    (folder / "sub" / "zh.md").write_text(ZH, encoding="utf-8")
    (folder / "broken.md").write_text("---\ntitle: [oops\n---\nbody\n", encoding="utf-8")
    (folder / "french.md").write_text(CANADA.replace("language: en", "language: fr"),
                                      encoding="utf-8")
    (folder / "plain.md").write_text("no front matter at all", encoding="utf-8")
    (folder / "notes.txt").write_text(CANADA, encoding="utf-8")
    result = _kefu(database_url, "kb", "import", str(folder))
    assert result.exit_code == 0, result.output
    for name in ("broken.md", "french.md", "plain.md"):
        assert name in result.output
    assert "2 created" in result.output and "3 bad" in result.output
    rows = {a.slug: a for a in asyncio.run(_all(database_url))}
    assert set(rows) == {"do-you-ship-to-canada", "ship-canada-zh"}
    assert rows["do-you-ship-to-canada"].status == "published"
    assert rows["ship-canada-zh"].status == "draft" and rows["ship-canada-zh"].category == "配送"

    (folder / "canada.md").write_text(CANADA.replace("5-8", "3-5"), encoding="utf-8")
    result = _kefu(database_url, "kb", "import", str(folder))
    assert "0 created, 1 updated, 1 unchanged" in result.output
    rows = {a.slug: a for a in asyncio.run(_all(database_url))}
    assert len(rows) == 2 and "3-5" in rows["do-you-ship-to-canada"].body


def test_search_prints_ranked_passages(sqlite_url: str, tmp_path: Path) -> None:
    _kefu(sqlite_url, "db", "upgrade")
    (tmp_path / "a.md").write_text(CANADA, encoding="utf-8")
    (tmp_path / "b.md").write_text(ZH.replace("status: draft", "status: published"),
                                   encoding="utf-8")
    _kefu(sqlite_url, "kb", "import", str(tmp_path))
    result = _kefu(sqlite_url, "kb", "search", "can you deliver to canada", "--json")
    data = json.loads(result.output)
    first = data["results"][0]
    assert first["url"] == "/help/do-you-ship-to-canada" and first["rank"] == 1
    assert first["score"] >= data["results"][-1]["score"]
    zh = json.loads(_kefu(sqlite_url, "kb", "search", "加拿大配送", "--language", "zh",
                          "--json").output)
    assert [r["slug"] for r in zh["results"]] == ["ship-canada-zh"]
    text = _kefu(sqlite_url, "kb", "search", "canada").output
    assert text.startswith("1. ") and "/help/do-you-ship-to-canada" in text
