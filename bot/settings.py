"""Typed, frozen settings, validated once at start-up.

Every value can come from the environment (``KEFU_<FIELD>``, e.g. ``KEFU_DATABASE_URL``)
or from a ``.env`` file; unknown ``KEFU_`` keys are rejected so a typo fails loudly.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG_DIR = PROJECT_ROOT / "config"
DEFAULT_DATA_DIR = Path("var")

# Environment variable names, in one place (the README lists them too).
ENV_PREFIX = "KEFU_"
ENV_DATABASE_URL = "KEFU_DATABASE_URL"
ENV_REDIS_URL = "KEFU_REDIS_URL"
ENV_SECRET_KEY = "KEFU_SECRET_KEY"


class Settings(BaseSettings):
    """Everything kefu needs to know about where it runs."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, env_file=".env",
        env_file_encoding="utf-8",
    )

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{DEFAULT_DATA_DIR / 'kefu.sqlite3'}",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    redis_url: str | None = Field(
        default=None, description="redis://host:port/db; enables shared state across workers"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs agent sessions and customer tokens. When unset, `kefu serve` "
        "creates a random one in data_dir/secret.key.",
    )
    data_dir: Path = DEFAULT_DATA_DIR
    config_dir: Path = DEFAULT_CONFIG_DIR
    max_message_chars: int = Field(default=2000, ge=1, le=100_000)
    log_level: str = "INFO"
    recommender: str = Field(
        default="kefu.ease.v1",
        description="Registry name of the recommender `kefu recommend train` fits "
        "(kefu.ease.v1, kefu.itemknn.v1, kefu.popularity.v1).",
    )

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "database_url must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value

    @property
    def is_sqlite(self) -> bool:
        """True when the CRM lives in an embedded SQLite file."""
        return self.database_url.startswith("sqlite")
