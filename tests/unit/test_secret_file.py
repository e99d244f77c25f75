"""The generated signing key: created 0600 in one step, kept across restarts."""

from __future__ import annotations

import stat
from pathlib import Path

from bot.gateway.serve import ensure_secret
from bot.settings import Settings


def test_generated_secret_is_private_and_stable(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite+aiosqlite://", data_dir=tmp_path)
    first = ensure_secret(settings)
    path = tmp_path / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = first.secret_key.get_secret_value()
    assert len(key) >= 48
    assert ensure_secret(settings).secret_key.get_secret_value() == key


def test_configured_secret_writes_no_file(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite+aiosqlite://", data_dir=tmp_path,
                        secret_key="from-config-0123456789abcdef0123")
    assert ensure_secret(settings).secret_key.get_secret_value().startswith("from-config")
    assert not (tmp_path / "secret.key").exists()
