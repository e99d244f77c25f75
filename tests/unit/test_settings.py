"""Settings are typed, frozen and reject unknown keys and bad values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_defaults_are_embedded_sqlite() -> None:
    assert Settings().is_sqlite


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_DATABASE_URL", "postgresql+asyncpg://u@h/db")
    monkeypatch.setenv("KEFU_PORT", "9000")
    settings = Settings()
    assert settings.database_url == "postgresql+asyncpg://u@h/db" and settings.port == 9000
    assert not settings.is_sqlite


def test_unknown_key_and_bad_driver_rejected() -> None:
    with pytest.raises(ValidationError):
        Settings(no_such_setting=1)
    with pytest.raises(ValidationError, match="database_url"):
        Settings(database_url="mysql://x")


def test_frozen() -> None:
    with pytest.raises(ValidationError):
        Settings().port = 1  # type: ignore[misc]
