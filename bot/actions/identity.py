"""Identity: the form that asks for email + an order number, its validation, and the
action that finishes verification and resumes what the customer asked for."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot.actions.base import (
    IDENTITY_FORM,
    DomainDict,
    KefuAction,
    identity_events,
    normalize_email,
    normalize_order_number,
    token_identity,
)
from bot.actions.services import ActionServices, standalone_services
from bot.inputs import CLIENT_METADATA
from crm_core.errors import IdentityLocked, NotFound

MAX_IDENTITY_ATTEMPTS = 3


class ValidateIdentityForm(FormValidationAction):
    """Checks the email and order-number formats, then that the order is the email's."""

    def __init__(self, services: ActionServices | None = None) -> None:
        self._services = services

    def name(self) -> str:
        """The validation action of ``identity_form``."""
        return "validate_identity_form"

    async def _svc(self) -> ActionServices:
        if self._services is None:
            self._services = await standalone_services()
        return self._services

    async def validate_email(self, value: Any, dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """A well-formed email; checked against the order once both are known."""
        email = normalize_email(value)
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
            return {"email": None}
        if "order_number" in tracker.slots_to_validate() or not tracker.get_slot("order_number"):
            return {"email": email}  # the order number's validation does the match
        return await self._match(dispatcher, tracker, email, tracker.get_slot("order_number"))

    async def validate_order_number(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """A well-formed order number that belongs to the email's customer."""
        number = normalize_order_number(value)
        if number is None:
            dispatcher.utter_message(response="utter_invalid_order_number")
            return {"order_number": None}
        email = normalize_email(tracker.get_slot("email"))
        if email is None:
            return {"order_number": number}
        return await self._match(dispatcher, tracker, email, number)

    async def _match(self, dispatcher: CollectingDispatcher, tracker: Tracker, email: str,
                     number: str) -> dict[str, Any]:
        from crm_core.services.identity_guard import verify_identity

        services = await self._svc()
        try:
            customer = await verify_identity(services.uow(), email, number,
                                             client=client_of(tracker),
                                             policy=services.identity_policy)
        except IdentityLocked:
            # Locked for this email or this client, whichever: the same words either way,
            # and no hint whether the email is on file. A colleague can verify by hand.
            dispatcher.utter_message(response="utter_identity_locked")
            return {"email": None, "order_number": None,
                    "identity_attempts": MAX_IDENTITY_ATTEMPTS,
                    "handoff_reason": "identity_locked"}
        except NotFound:
            # Same answer for "no such email", "no such order" and "someone else's order".
            attempts = int(tracker.get_slot("identity_attempts") or 0) + 1
            if attempts >= MAX_IDENTITY_ATTEMPTS:
                dispatcher.utter_message(response="utter_identity_failed")
                return {"email": None, "order_number": None, "identity_attempts": attempts,
                        "handoff_reason": "identity_failed"}
            dispatcher.utter_message(response="utter_identity_mismatch")
            return {"email": None, "order_number": None, "identity_attempts": attempts}
        return {"email": email, "order_number": number,
                **{e["name"]: e["value"] for e in identity_events(customer)}}


def client_of(tracker: Tracker) -> str | None:
    """The client the channel saw this turn's message come from (``CLIENT_METADATA``, set
    by the gateway, never by the customer), or None (e.g. a test tracker)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    value = metadata.get(CLIENT_METADATA)
    return value if isinstance(value, str) and value else None


class ActionVerifyIdentity(KefuAction):
    """After the identity form (or a token): confirm, link the customer, resume the task."""

    def name(self) -> str:
        """Runs when ``identity_form`` completes and on ``provide_identity``."""
        return "action_verify_identity"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Confirm the verified identity and continue with ``pending_action``."""
        events: list[EventType] = []
        if not tracker.get_slot("identity_verified"):
            events = await token_identity(await self.services(), tracker)
            if not events:
                return [FollowupAction(IDENTITY_FORM)]
            tracker.add_slots(events)
        await self._link(tracker)
        dispatcher.utter_message(response="utter_identity_verified",
                                 customer_name=tracker.get_slot("customer_name") or "")
        pending = tracker.get_slot("pending_action")
        if pending:
            return [*events, SlotSet("pending_action", None), FollowupAction(pending)]
        dispatcher.utter_message(response="utter_default")
        return events

    async def _link(self, tracker: Tracker) -> None:
        conversation_id = tracker.get_slot("conversation_id")
        if conversation_id is None:
            return
        try:
            await (await self.services()).link_customer(
                int(conversation_id), int(tracker.get_slot("customer_id")))
        except NotFound:
            pass  # a conversation this CRM does not know (an outside Rasa's sender)
