"""Unknown KEFU_* environment variables fail loudly, as the README promises (#19)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings, unknown_environment


def test_a_typo_in_a_setting_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_DATABSE_URL", "x")
    with pytest.raises(ValidationError) as err:
        Settings()
    assert "KEFU_DATABSE_URL" in str(err.value)


def test_known_settings_and_the_test_suites_own_variables_pass() -> None:
    env = {"KEFU_DATABASE_URL": "sqlite+aiosqlite://", "kefu_redis_url": "redis://x",
           "KEFU_TEST_REDIS_URL": "redis://y", "KEFU_SCHEMATHESIS_EXAMPLES": "5",
           "KEFU": "./.venv/bin/kefu", "PATH": "/bin"}
    assert unknown_environment(env) == []
    assert unknown_environment({**env, "KEFU_VOICE_ENGNE": "x"}) == ["KEFU_VOICE_ENGNE"]
