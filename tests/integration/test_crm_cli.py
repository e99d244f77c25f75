"""The ``kefu db``, ``kefu import`` and ``kefu demo`` commands, end to end on SQLite."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from tests.integration.test_crm_import_seed import SLICE


def _run(args: list[str], url: str, data_dir: Path):
    env = {"KEFU_DATABASE_URL": url, "KEFU_DATA_DIR": str(data_dir)}
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_db_import_and_demo_commands(sqlite_url: str, tmp_path: Path) -> None:
    csv_path = tmp_path / "slice.csv"
    csv_path.write_text(SLICE)

    refused = _run(["import", "online-retail", "--no-progress", str(csv_path)], sqlite_url,
                   tmp_path)
    assert refused.exit_code == 1 and "run `kefu db upgrade`" in refused.output

    before = _run(["db", "current"], sqlite_url, tmp_path)
    assert "(empty)" in before.output and "out of date" in before.output
    assert "database at revision" in _run(["db", "upgrade"], sqlite_url, tmp_path).output
    assert "up to date" in _run(["db", "current"], sqlite_url, tmp_path).output

    imported = _run(["import", "online-retail", "--no-progress", str(csv_path)], sqlite_url,
                    tmp_path)
    assert imported.exit_code == 0, imported.output
    assert "bad row at line 6: unreadable Quantity 'six'" in imported.output
    assert "3 orders with 3 lines" in imported.output

    missing = _run(["import", "online-retail", str(tmp_path / "nope.csv")], sqlite_url,
                   tmp_path)
    assert missing.exit_code == 1 and "no such file" in missing.output

    # The CRM has customers now: --if-empty skips, a plain seed refuses without a traceback.
    skipped = _run(["demo", "seed", "--if-empty"], sqlite_url, tmp_path)
    assert skipped.exit_code == 0 and "skipped" in skipped.output
    refused_seed = _run(["demo", "seed"], sqlite_url, tmp_path)
    assert refused_seed.exit_code == 1 and "empty database" in refused_seed.output
