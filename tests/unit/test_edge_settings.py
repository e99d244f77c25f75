"""The edge-limit settings are validated at start-up, like every other setting."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_defaults() -> None:
    settings = Settings()
    assert settings.trusted_proxies == ()
    assert settings.rate_limit_chat == "60/minute;1200/hour"
    assert settings.rate_limit_login == "10/minute;60/hour"
    assert (settings.max_metadata_bytes, settings.max_json_depth) == (4096, 32)


def test_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_TRUSTED_PROXIES", "127.0.0.1/32, 10.0.0.0/8,::1")
    monkeypatch.setenv("KEFU_RATE_LIMIT_CHAT", "")
    monkeypatch.setenv("KEFU_RATE_LIMIT_WS_FRAMES", "5 per 2 seconds")
    settings = Settings()
    assert settings.trusted_proxies == ("127.0.0.1/32", "10.0.0.0/8", "::1")
    assert settings.rate_limit_chat == ""
    assert settings.rate_limit_ws_frames == "5 per 2 seconds"


@pytest.mark.parametrize("field, value", [
    ("trusted_proxies", "10.0.0.0/33"), ("trusted_proxies", "proxy.example.com"),
    ("rate_limit_api", "many"), ("rate_limit_login", "10 per fortnight"),
    ("max_json_depth", 1), ("max_metadata_bytes", 10),
])
def test_bad_values_fail_loudly(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: value})
