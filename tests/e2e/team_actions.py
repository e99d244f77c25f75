"""A Rasa team's own action code, unchanged: kefu loads it in process
(``KEFU_ACTION_PACKAGES``) or calls it on rasa-sdk's action server (``KEFU_ACTION_ENDPOINT``)."""

from __future__ import annotations

from rasa_sdk import Action
from rasa_sdk.events import SlotSet


class ActionStoreHours(Action):
    """Answers with the store's hours and remembers it told them (a slot event)."""

    def name(self) -> str:
        return "action_store_hours"

    def run(self, dispatcher, tracker, domain):
        lang = tracker.get_slot("language") or "en"
        dispatcher.utter_message(text=f"Our Riverside store opens 9-18 ({lang}).",
                                 buttons=[{"title": "Thanks", "payload": "/thanks"}])
        return [SlotSet("handoff_reason", "told-hours")]
