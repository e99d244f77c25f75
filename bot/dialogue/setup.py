"""Wire the dialogue engine into the app: ``setup_dialogue(app)`` adds one cleanup_ctx
that builds the engine and puts it at ``keys.MESSAGE_HANDLER``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from bot.gateway import keys
from bot.nlu.types import ParseResult

DOMAIN_FILE = "domain.yml"
RULES_FILE = "rules.yml"


class AppInterpreter:
    """The NLU interpreter at ``keys.INTERPRETER`` when one is loaded, else the basic one.

    Looked up per message: the NLU's cleanup_ctx may start after this one.
    """

    def __init__(self, app: web.Application) -> None:
        from bot.dialogue.payload import BasicInterpreter

        self._app, self._basic = app, BasicInterpreter()

    def parse(self, text: str) -> ParseResult:
        """Parse with the loaded model (or the basic interpreter)."""
        interpreter = self._app.get(keys.INTERPRETER)
        return (interpreter or self._basic).parse(text)

    def parse_batch(self, texts: list[str]) -> list[ParseResult]:
        """Parse several messages in one call (the loaded model vectorises them)."""
        interpreter = self._app.get(keys.INTERPRETER)
        batch = getattr(interpreter, "parse_batch", None)
        if batch is None:
            return [(interpreter or self._basic).parse(t) for t in texts]
        return batch(texts)


def build_engine(app: web.Application, locks: object | None = None):  # noqa: ANN201
    """A ``DialogueEngine`` on the app's CRM, config files and handoff sink."""
    from bot.actions import ActionServices, build_actions
    from bot.dialogue.domain import load_domain
    from bot.dialogue.engine import DialogueEngine, EngineConfig
    from bot.dialogue.rules import load_rules
    from bot.dialogue.store_sql import CrmConversationStore

    settings = app[keys.SETTINGS]
    config_dir = Path(settings.config_dir)
    services = ActionServices(session_factory=app[keys.SESSION_FACTORY],
                              config_dir=config_dir, secret_key=settings.secret_key)
    fallback_sink = services.sink()
    services.handoff_sink = lambda: app.get(keys.HANDOFF_SINK) or fallback_sink
    services.recommender = lambda: app.get(keys.RECOMMENDER)
    return DialogueEngine(
        domain=load_domain(config_dir / DOMAIN_FILE), rules=load_rules(config_dir / RULES_FILE),
        actions=build_actions(services),
        store=CrmConversationStore(app[keys.SESSION_FACTORY], single_worker=locks is None),
        interpreter=AppInterpreter(app), locks=locks,  # type: ignore[arg-type]
        config=EngineConfig(max_message_chars=settings.max_message_chars),
    )


async def dialogue_ctx(app: web.Application) -> AsyncIterator[None]:
    """Build the engine (with Redis locks when ``redis_url`` is set) for the app's life."""
    redis = None
    locks = None
    if app[keys.SETTINGS].redis_url:
        import redis.asyncio as aioredis

        from bot.dialogue.locks import RedisSenderLocks

        redis = aioredis.from_url(app[keys.SETTINGS].redis_url)
        locks = RedisSenderLocks(redis)
    app[keys.MESSAGE_HANDLER] = build_engine(app, locks)
    yield
    if redis is not None:
        await redis.aclose()


def setup_dialogue(app: web.Application) -> None:
    """Register the engine's cleanup_ctx (after the database's)."""
    app.cleanup_ctx.append(dialogue_ctx)
