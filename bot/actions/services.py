"""What kefu's actions need from the outside, handed to them by whoever builds them.

In process the dialogue engine builds every action with the app's resources
(``ActionServices(...)``). Under rasa-sdk's own server (``python -m rasa_sdk --actions
bot.actions``) actions are created without arguments; they then build the same services
once from the environment (``KEFU_*`` settings) on first use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crm_core.domain.policy import SlaPolicy
from crm_core.unit_of_work import SqlUnitOfWork
from routing.handoff import HandoffSink


@dataclass
class ActionServices:
    """The CRM (through units of work), policies, knowledge and the handoff target."""

    session_factory: Any
    config_dir: Path
    secret_key: Any = None
    # crm_core.services.identity_guard.IdentityPolicy; None: its defaults.
    identity_policy: Any = None
    # crm_core.mail.MailConfig for one-time codes; None: no mail, order changes go to an agent.
    mail: Any = None
    step_up_minutes: int = 10
    step_up_max_tries: int = 5
    default_country: str | None = None  # for addresses that name no country
    policy: SlaPolicy | None = None
    # Returns the handoff sink at call time: routing may register one after start-up.
    handoff_sink: Callable[[], HandoffSink] | None = None
    # Returns recommend/'s ``RecommendationService`` when one runs (None otherwise).
    recommender: Callable[[], Any] | None = None
    faq: dict[str, dict[str, str]] = field(default_factory=dict)
    # Returns bot/knowledge's ``KnowledgeBase`` when one runs (None: no help center).
    knowledge: Callable[[], Any] | None = None
    # Links a conversation to its verified customer. In process the dialogue engine's
    # tracker store does it in its next group commit; None: the CRM service, in its own
    # transaction.
    customer_linker: Callable[[int, int], Awaitable[None]] | None = None

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work on the CRM."""
        return SqlUnitOfWork(self.session_factory)

    async def link_customer(self, conversation_id: int, customer_id: int) -> None:
        """Record that the conversation's customer is ``customer_id`` (committed on return;
        ``NotFound`` for a conversation the CRM does not have)."""
        if self.customer_linker is not None:
            await self.customer_linker(conversation_id, customer_id)
            return
        from crm_core.services import conversations

        await conversations.link_customer(self.uow(), conversation_id, customer_id,
                                          actor="bot")

    def sla_policy(self) -> SlaPolicy:
        """The SLA policy from ``config/policies.yml`` (loaded once)."""
        if self.policy is None:
            from crm_core.policies import load_policy

            self.policy = load_policy(self.config_dir)
        return self.policy

    def faq_answer(self, intent: str, language: str) -> str | None:
        """The FAQ answer for ``intent`` in ``language`` (English when missing)."""
        if not self.faq:
            self.faq = load_faq(self.config_dir / "faq.yml")
        answers = self.faq.get(intent) or {}
        return answers.get(language) or answers.get("en")

    def knowledge_hits(self, question: str, language: str) -> list[Any]:
        """Help-center passages confident enough to answer ``question`` with, best first
        (empty when there is no knowledge base or it does not know)."""
        base = self.knowledge() if self.knowledge is not None else None
        if base is None or not question.strip():
            return []
        return base.hits(question, language)

    def sink(self) -> HandoffSink:
        """Where conversations go to humans: routing's queue, else a ticket."""
        if self.handoff_sink is not None:
            return self.handoff_sink()
        from bot.dialogue.handoff import TicketHandoffSink

        return TicketHandoffSink(self.uow, self.sla_policy)


def load_faq(path: Path) -> dict[str, dict[str, str]]:
    """``config/faq.yml``: intent -> language -> answer."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        return dict((yaml.safe_load(fh) or {}).get("faq") or {})


_standalone: ActionServices | None = None
_standalone_lock = asyncio.Lock()


async def standalone_services() -> ActionServices:
    """Services for actions run by rasa-sdk's server, built once from the environment."""
    global _standalone  # noqa: PLW0603 - one per action-server process, by design
    async with _standalone_lock:
        if _standalone is None:
            from bot.settings import Settings
            from crm_core.db import create_engine, create_session_factory

            settings = Settings()
            _standalone = ActionServices(
                session_factory=create_session_factory(create_engine(settings.database_url)),
                config_dir=Path(settings.config_dir), secret_key=settings.secret_key,
                identity_policy=settings.identity_policy(), mail=settings.mail_config(),
                step_up_minutes=settings.step_up_code_minutes,
                step_up_max_tries=settings.step_up_max_tries,
                default_country=settings.default_country,
            )
    return _standalone
