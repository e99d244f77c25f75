"""The base of kefu's actions: services, language, and the identity gate.

No order or personal data is shown before identity is verified in the conversation:
``VerifiedAction`` checks the ``identity_verified`` slot (set only by identity
verification) or a signed customer token in the channel metadata; otherwise it remembers
what was asked (``pending_action``) and starts ``identity_form``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.services import ActionServices, standalone_services
from crm_core.errors import KefuError

DomainDict = dict[str, Any]
IDENTITY_FORM = "identity_form"
_ORDER_NUMBER = re.compile(r"^\s*#?(?:KF[-\s]?)?(\d{4,12})\s*$", re.I)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def normalize_order_number(value: Any) -> str | None:
    """"KF-100042" from "kf 100042", "#100042" or "100042"; None if it is no order number."""
    match = _ORDER_NUMBER.match(str(value or ""))
    return f"KF-{match.group(1)}" if match else None


def normalize_email(value: Any) -> str | None:
    """The trimmed, lower-cased email, or None if it does not look like one."""
    text = str(value or "").strip().lower()
    return text if _EMAIL.match(text) else None


def language(tracker: Tracker) -> str:
    """The conversation's language slot ("en" or "zh")."""
    return tracker.get_slot("language") or "en"


class KefuAction(Action, ABC):
    """An ordinary ``rasa_sdk.Action`` with kefu's services injected (or built lazily)."""

    def __init__(self, services: ActionServices | None = None) -> None:
        self._services = services

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    async def services(self) -> ActionServices:
        """The injected services, or the action server's own."""
        if self._services is None:
            self._services = await standalone_services()
        return self._services


async def token_identity(services: ActionServices, tracker: Tracker) -> list[EventType]:
    """Identity slots from a signed customer token in the message metadata ([] if none)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    token = metadata.get("customer_token")
    if not token or not services.secret_key:
        return []
    from bot.gateway.tokens import verify_customer_token
    from crm_core.services import customers

    try:
        customer_id = verify_customer_token(str(token), services.secret_key)
        customer = await customers.get_customer(services.uow(), customer_id)
    except KefuError:
        return []
    return identity_events(customer)


def identity_events(customer: Any) -> list[EventType]:
    """The slots that say "this conversation is with this customer"."""
    return [
        SlotSet("identity_verified", True), SlotSet("customer_id", customer.id),
        SlotSet("customer_name", customer.name), SlotSet("customer_tier", str(customer.tier)),
        SlotSet("identity_attempts", 0),
    ]


class VerifiedAction(KefuAction, ABC):
    """An action that needs a verified customer; ``run_verified`` does the work. With a
    ``step_up`` purpose it also needs the one-time code mailed to the customer
    (``bot.actions.step_up``) once per conversation before it changes anything."""

    step_up: str | None = None

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Verify (token) or ask for identity first; then do the work."""
        events: list[EventType] = []
        if not tracker.get_slot("identity_verified") or not tracker.get_slot("customer_id"):
            events = await token_identity(await self.services(), tracker)
            if not events:
                return [SlotSet("pending_action", self.name()), FollowupAction(IDENTITY_FORM)]
            tracker.add_slots(events)
        customer_id = int(tracker.get_slot("customer_id"))
        if self.step_up and not tracker.get_slot("step_up_verified"):
            from bot.actions.step_up import ask_for_code

            return events + await ask_for_code(await self.services(), dispatcher, tracker,
                                                customer_id, self.step_up, self.name())
        return events + await self.run_verified(dispatcher, tracker, domain, customer_id)

    @abstractmethod
    async def run_verified(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict, customer_id: int) -> list[EventType]:
        """The action's work for a verified customer."""
