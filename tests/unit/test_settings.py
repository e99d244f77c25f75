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


def test_mail_goes_nowhere_unless_configured(tmp_path) -> None:
    """No SMTP server and no development outbox: mail_config names no destination, so
    anything that needs a mailed code is refused (crm_core.mail raises)."""
    config = Settings(data_dir=tmp_path).mail_config()
    assert config.smtp_host is None and config.outbox is None
    dev = Settings(data_dir=tmp_path, email_outbox=True).mail_config()
    assert dev.outbox == tmp_path / "outbox"
    smtp = Settings(email_smtp_host="mail.example.com", email_smtp_port=25).mail_config()
    assert (smtp.smtp_host, smtp.smtp_port) == ("mail.example.com", 25)


async def test_send_mail_without_a_destination_is_refused() -> None:
    from crm_core.errors import ServiceUnavailable
    from crm_core.mail import MailConfig, send_mail

    with pytest.raises(ServiceUnavailable, match="KEFU_EMAIL_SMTP_HOST"):
        await send_mail(MailConfig(), "ann@example.com", "subject", "body")
