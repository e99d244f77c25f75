"""A conversation as a list of Rasa-style events, and the state those events add up to.

Events are the dicts Rasa puts on the wire (``{"event": "slot", "name", "value",
"timestamp"}``...), built by the named constructors below (most come from
``rasa_sdk.events``), so a tracker can be handed to any rasa-sdk action unchanged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import events as rasa_events

from bot.dialogue.domain import Domain

EventDict = dict[str, Any]
ACTION_LISTEN = "action_listen"
ACTION_SESSION_START = "action_session_start"
ACTION_DEFAULT_FALLBACK = "action_default_fallback"


def _stamp(event: EventDict) -> EventDict:
    if not event.get("timestamp"):
        event["timestamp"] = time.time()
    return event


def user_uttered(text: str, parse_data: dict[str, Any], input_channel: str,
                 metadata: dict[str, Any] | None = None) -> EventDict:
    """A customer message with what NLU (or a payload) made of it."""
    event = rasa_events.UserUttered(text, parse_data=parse_data, input_channel=input_channel)
    event["metadata"] = metadata or {}  # Rasa 3 carries it; rasa-sdk's constructor does not
    return _stamp(event)


def bot_uttered(text: str | None, data: dict[str, Any] | None = None) -> EventDict:
    """A bot message (``data`` holds buttons, image, custom)."""
    return _stamp(rasa_events.BotUttered(text, data=data or {}))


def action_executed(name: str, policy: str | None = None,
                    confidence: float | None = 1.0) -> EventDict:
    """An action ran (``action_listen`` ends the bot's turn)."""
    return _stamp(rasa_events.ActionExecuted(name, policy=policy, confidence=confidence))


def slot_set(name: str, value: Any) -> EventDict:
    """A slot changed."""
    return _stamp(rasa_events.SlotSet(name, value))


def active_loop(name: str | None) -> EventDict:
    """A form became active (``None``: no form is active)."""
    return _stamp(rasa_events.ActiveLoop(name))


def paused() -> EventDict:
    """The bot stops answering (a person has the conversation)."""
    return _stamp(rasa_events.ConversationPaused())


def resumed() -> EventDict:
    """The bot answers again."""
    return _stamp(rasa_events.ConversationResumed())


def session_started() -> EventDict:
    """A new session begins (after expiry or on the first message)."""
    return _stamp(rasa_events.SessionStarted())


@dataclass
class DialogueTracker:
    """The state of one conversation, derived by applying its events in order."""

    sender_id: str
    domain: Domain
    events: list[EventDict] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    latest_message: dict[str, Any] = field(default_factory=dict)
    paused: bool = False
    followup_action: str | None = None
    active_loop: str | None = None
    latest_action_name: str | None = None
    latest_input_channel: str | None = None
    # Sentiment scores of the user turns since the session started or the bot resumed
    # (kept as events are applied, so a long chat is not rescanned every turn).
    sentiments: list[float] = field(default_factory=list)

    @classmethod
    def from_events(cls, sender_id: str, domain: Domain,
                    events: list[EventDict] | None = None) -> DialogueTracker:
        """Replay ``events`` on a fresh tracker.

        Only the current session is replayed (a session start or restart resets every
        slot but the language, which is taken from the last language slot event before);
        older events are kept in ``events`` as they are.
        """
        events = list(events or ())
        tracker = cls(sender_id=sender_id, domain=domain, slots=domain.initial_slots())
        start = next((i for i in range(len(events) - 1, -1, -1)
                      if events[i].get("event") in ("session_started", "restart")), 0)
        if start:
            tracker.events = events[:start]
            language = next((e.get("value") for e in reversed(tracker.events)
                             if e.get("event") == "slot" and e.get("name") == "language"),
                            None)
            if language:
                tracker.slots["language"] = language
        for event in events[start:]:
            tracker.update(event)
        return tracker

    def update(self, event: EventDict) -> None:
        """Append one event and apply it to the state."""
        self.events.append(event)
        kind = event.get("event")
        if kind == "user":
            self.latest_message = {"text": event.get("text"), **(event.get("parse_data") or {})}
            self.latest_input_channel = event.get("input_channel")
            score = (self.latest_message.get("sentiment") or {}).get("score")
            if score is not None:
                self.sentiments.append(float(score))
        elif kind == "action":
            self.latest_action_name = event.get("name")
            if self.followup_action == event.get("name"):
                self.followup_action = None
        elif kind == "slot":
            self.slots[event["name"]] = event.get("value")
        elif kind in ("active_loop", "form"):
            self.active_loop = event.get("name")
        elif kind == "pause":
            self.paused = True
        elif kind == "resume":
            self.paused = False
            self.sentiments = []
        elif kind == "followup":
            self.followup_action = event.get("name")
        elif kind in ("restart", "session_started"):
            self._reset(keep_slots=kind == "session_started" and self.domain.session.carry_over_slots)
        elif kind == "reset_slots":
            self.slots = self.domain.initial_slots()

    def _reset(self, keep_slots: bool) -> None:
        if not keep_slots:
            language = self.slots.get("language")
            self.slots = self.domain.initial_slots()
            # The language is about the person, not the session: keep answering in it.
            if language:
                self.slots["language"] = language
        self.paused = False
        self.active_loop = None
        self.followup_action = None
        self.sentiments = []

    def get_slot(self, name: str) -> Any:
        """A slot's value, or None."""
        return self.slots.get(name)

    @property
    def language(self) -> str:
        """The conversation's language ("en" or "zh")."""
        return self.slots.get("language") or "en"

    def last_event_time(self) -> float | None:
        """When the latest event happened (seconds since the epoch)."""
        return next((e["timestamp"] for e in reversed(self.events) if e.get("timestamp")), None)

    def user_turns(self) -> list[EventDict]:
        """The user events of the current session, oldest first."""
        start = max(
            (i for i, e in enumerate(self.events) if e.get("event") in ("session_started", "restart")),
            default=-1,
        )
        return [e for e in self.events[start + 1:] if e.get("event") == "user"]

    def consecutive_fallbacks(self) -> int:
        """How many finished turns in a row, up to the latest one, ended in the fallback
        action (the turn in progress, after the last user event, is not counted)."""
        count, fell_back, turn_done = 0, False, False
        for event in reversed(self.events):
            kind = event.get("event")
            if kind == "action":
                turn_done = True
                fell_back = fell_back or event.get("name") == ACTION_DEFAULT_FALLBACK
            elif kind == "user":
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
                if not turn_done or intent == "rephrase":
                    # The turn in progress; or "Something else" after "Did you mean...?",
                    # which continues the chain.
                    fell_back = turn_done = False
                    continue
                if not fell_back:
                    break
                count, fell_back, turn_done = count + 1, False, False
            elif kind in ("session_started", "restart", "resume"):
                break
        return count

    def to_rasa_dict(self) -> dict[str, Any]:
        """The tracker as Rasa sends it to an action server (``Tracker.from_dict`` reads it)."""
        return {
            "sender_id": self.sender_id,
            "slots": dict(self.slots),
            "latest_message": dict(self.latest_message),
            "events": list(self.events),
            "paused": self.paused,
            "followup_action": self.followup_action,
            "active_loop": {"name": self.active_loop} if self.active_loop else {},
            "latest_action_name": self.latest_action_name,
            "latest_input_channel": self.latest_input_channel,
        }
