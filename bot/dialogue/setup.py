"""Wire the dialogue engine into the app: ``setup_dialogue(app)`` adds one cleanup_ctx
that builds the engine and puts it at ``keys.MESSAGE_HANDLER``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from rasa_sdk import Action

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

    def offload(self) -> Callable[[list[str]], Awaitable[list[ParseResult]]] | None:
        """The NLU worker process's ``parse_batch`` when one runs (``nlu_worker``)."""
        worker = self._app.get(keys.NLU_WORKER)
        return worker.parse_batch if worker is not None else None

    def parse_batch(self, texts: list[str]) -> list[ParseResult]:
        """Parse several messages in one call (the loaded model vectorises them)."""
        interpreter = self._app.get(keys.INTERPRETER)
        batch = getattr(interpreter, "parse_batch", None)
        if batch is None:
            return [(interpreter or self._basic).parse(t) for t in texts]
        return batch(texts)


def build_engine(app: web.Application, locks: object | None = None,  # noqa: ANN201
                 team: TeamActions | None = None):
    """A ``DialogueEngine`` on the app's CRM, config files and handoff sink; a team's own
    actions (``team``) join kefu's and replace any of the same name."""
    from bot.actions import ActionServices, build_actions
    from bot.dialogue.domain import load_domain
    from bot.dialogue.engine import DialogueEngine, EngineConfig
    from bot.dialogue.rules import load_rules
    from bot.dialogue.handoff import AfterHandoff
    from bot.dialogue.store_sql import CrmConversationStore
    from bot.inputs import InputLimits

    settings = app[keys.SETTINGS]
    config_dir = Path(settings.config_dir)
    services = ActionServices(session_factory=app[keys.SESSION_FACTORY],
                              config_dir=config_dir, secret_key=settings.secret_key,
                              identity_policy=settings.identity_policy(),
                              mail=settings.mail_config(),
                              step_up_minutes=settings.step_up_code_minutes,
                              step_up_max_tries=settings.step_up_max_tries,
                              default_country=settings.default_country)
    fallback_sink = services.sink()
    services.handoff_sink = lambda: app.get(keys.HANDOFF_SINK) or fallback_sink
    services.recommender = lambda: app.get(keys.RECOMMENDER)
    services.knowledge = lambda: app.get(keys.KNOWLEDGE)
    store = CrmConversationStore(app[keys.SESSION_FACTORY], single_worker=locks is None,
                                 cache_size=settings.tracker_cache_size,
                                 cache_events=settings.tracker_cache_events)
    services.customer_linker = store.link_customer  # batched with the turns' writes
    domain = load_domain(config_dir / DOMAIN_FILE)
    return DialogueEngine(
        domain=domain, rules=load_rules(config_dir / RULES_FILE),
        actions=(team or TeamActions({})).merged(build_actions(services), domain.actions,
                                                  domain.forms),
        store=store,
        interpreter=AppInterpreter(app), locks=locks,  # type: ignore[arg-type]
        config=EngineConfig(max_message_chars=settings.max_message_chars,
                            tracker_cache_size=settings.tracker_cache_size,
                            tracker_cache_events=settings.tracker_cache_events,
                            inputs=InputLimits.from_settings(settings)),
        after_handoff=AfterHandoff(services.handoff_sink, lambda: app.get(keys.LIVE_CHAT)),
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
    async with team_actions(app) as actions:
        app[keys.MESSAGE_HANDLER] = build_engine(app, locks, actions)
        yield
    if redis is not None:
        await redis.aclose()


@dataclass(frozen=True)
class TeamActions:
    """A team's own actions: classes loaded in process, and a rasa-sdk action server for
    every other domain action when one is configured."""

    local: Mapping[str, Action]
    remote: Callable[[str], Action] | None = None

    def merged(self, kefu: Mapping[str, Action], domain_actions: Iterable[str],
               forms: Iterable[str]) -> dict[str, Action]:
        """kefu's actions, replaced by the team's of the same name, plus remote ones."""
        actions = {**kefu, **self.local}
        if self.remote is not None:
            skip = set(actions) | set(forms)
            actions.update({n: self.remote(n) for n in domain_actions
                            if n not in skip and not n.startswith("utter_")})
        return actions


@asynccontextmanager
async def team_actions(app: web.Application) -> AsyncIterator[TeamActions]:
    """``KEFU_ACTION_PACKAGES`` imported, and one HTTP session to ``KEFU_ACTION_ENDPOINT``
    for the app's life."""
    from bot.dialogue.team_actions import RemoteAction, load_action_packages

    settings = app[keys.SETTINGS]
    local = load_action_packages(settings.action_packages)
    endpoint = settings.action_endpoint
    if not endpoint:
        yield TeamActions(local)
        return
    async with aiohttp.ClientSession() as session:
        yield TeamActions(local, lambda name: RemoteAction(name, endpoint, session))


def setup_dialogue(app: web.Application) -> None:
    """Register the engine's cleanup_ctx (after the database's)."""
    app.cleanup_ctx.append(dialogue_ctx)
