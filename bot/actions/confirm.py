""""Are you sure?" before an order changes: cancel, address change and return each ask for
a yes (buttons, or "yes" / "是的" in words) before anything is written.

An order action that is about to change something calls ``ask_to_confirm`` with a key that
names exactly that change ("cancel:KF-1", "address:KF-1:<new address>"). ``confirm_form``
asks (``action_ask_change_confirmed`` renders the question with Yes / No buttons) and fills
``change_confirmed`` from the ``affirm`` / ``deny`` intents; ``action_confirm_change`` then
resumes the action, which sees ``is_confirmed(tracker, key)`` and makes the change. A no
leaves the order as it was. A yes counts only for the change it was asked about.
"""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import DomainDict, KefuAction, language

CONFIRM_FORM = "confirm_form"
_BUTTONS = {"en": ("Yes", "No, leave it"), "zh": ("是的", "不用了")}
# Slots an unfinished change leaves behind; cleared when it is made or declined.
CHANGE_SLOTS = ("pending_change", "change_confirmed", "new_address", "return_items",
                "return_reason")


def pending_change(tracker: Tracker) -> dict[str, Any] | None:
    """The change waiting for a yes: ``{"key", "response", "args"}``, or None."""
    raw = tracker.get_slot("pending_change")
    try:
        change = json.loads(raw) if raw else None
    except (TypeError, ValueError):
        return None
    return change if isinstance(change, dict) and "key" in change else None


def is_confirmed(tracker: Tracker, key: str) -> bool:
    """Whether the customer said yes to exactly this change."""
    change = pending_change(tracker)
    return bool(change and change["key"] == key
                and tracker.get_slot("change_confirmed") is True)


def ask_to_confirm(action: str, key: str, response: str, **args: Any) -> list[EventType]:
    """Events that ask "are you sure?" about ``key`` and resume ``action`` on a yes."""
    change = json.dumps({"key": key, "response": response, "args": args}, ensure_ascii=False)
    return [SlotSet("pending_change", change), SlotSet("change_confirmed", None),
            SlotSet("pending_action", action), FollowupAction(CONFIRM_FORM)]


def change_done() -> list[EventType]:
    """Events that forget a change once it was made (or refused by the CRM)."""
    return [SlotSet(slot, None) for slot in CHANGE_SLOTS]


class ActionAskChangeConfirmed(KefuAction):
    """The question of ``confirm_form``: what will change, with Yes / No buttons."""

    def name(self) -> str:
        """Asked by ``confirm_form`` for ``change_confirmed``."""
        return "action_ask_change_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Render the pending change's question."""
        change = pending_change(tracker)
        if change is None:  # nothing to confirm (should not happen): end the form
            return [SlotSet("change_confirmed", False)]
        yes, no = _BUTTONS.get(language(tracker), _BUTTONS["en"])
        dispatcher.utter_message(response=change["response"], **change.get("args", {}),
                                 buttons=[{"title": yes, "payload": "/affirm"},
                                          {"title": no, "payload": "/deny"}])
        return []


class ActionConfirmChange(KefuAction):
    """After ``confirm_form``: a yes resumes the change, a no leaves the order alone."""

    def name(self) -> str:
        """Runs when ``confirm_form`` completes."""
        return "action_confirm_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Resume ``pending_action`` on a yes; say nothing changed on a no."""
        action = tracker.get_slot("pending_action")
        change = pending_change(tracker)
        if tracker.get_slot("change_confirmed") is True and action and change:
            return [SlotSet("pending_action", None), FollowupAction(action)]
        number = (change or {}).get("args", {}).get("order_number") or ""
        dispatcher.utter_message(response="utter_change_declined", order_number=number)
        return [*change_done(), SlotSet("pending_action", None)]
