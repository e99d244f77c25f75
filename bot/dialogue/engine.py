"""The dialogue engine: one user message in, the bot's replies out, in order per sender.

A turn: lock the sender, load the tracker, parse (a ``/payload`` skips NLU), persist the
message with intent, confidence and sentiment, then decide: a handoff trigger, the active
form, the fallback chain or a rule; run the actions (plain rasa-sdk ``Action``s), persist
the replies and events, answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.utils import call_potential_coroutine

from bot.dialogue import tracker as ev
from bot.dialogue.batching import BatchingParser
from bot.dialogue.domain import REQUESTED_SLOT, Domain, from_intent
from bot.dialogue.fallback import (
    FallbackConfig,
    is_uncertain,
    negative_streak,
    suggestion_buttons,
    suggestions,
)
from bot.dialogue.locks import LocalSenderLocks, SenderLocks
from bot.dialogue.lru import BoundedLru
from bot.dialogue.nlg import render_dispatched, render_response
from bot.dialogue.payload import (
    BasicInterpreter,
    has_language_evidence,
    parse_payload,
    pattern_entities,
)
from bot.dialogue.rules import RuleSet
from bot.dialogue.store import ConversationStore, StoredConversation
from bot.dialogue.tracker import DialogueTracker
from bot.inputs import CLIENT_METADATA, InputLimits, check_metadata, check_sender
from bot.inputs import check_text as check_unicode
from bot.messages import BotMessage, UserMessage
from bot.nlu.types import Interpreter, ParseResult
from crm_core.errors import InvalidInput, KefuError

log = logging.getLogger(__name__)

HANDOFF_ACTION = "action_handoff"
KNOWLEDGE_ACTION = "action_knowledge_answer"
# Metadata keys never written to the event log (credentials passed by a host site).
_SECRET_METADATA = ("customer_token", "token", CLIENT_METADATA)
# While a form waits for a value, these intents do not interrupt it.
_FORM_FRIENDLY = {"provide_identity", "affirm", "nlu_fallback", "order_status",
                  "track_shipment", "cancel_order", "change_address", "return_refund"}


class AfterHandoffPath(Protocol):
    """What the engine asks while the bot is paused (``bot.dialogue.handoff.AfterHandoff``)."""

    async def on_message(self, sender_id: str, conversation_id: int | None, text: str,
                         language: str) -> list[BotMessage]: ...

    async def rate(self, sender_id: str, score: Any) -> bool: ...

    def undelivered(self, sender_id: str, language: str) -> list[BotMessage]: ...

    def ended(self, sender_id: str) -> bool: ...


@dataclass(frozen=True)
class EngineConfig:
    """Limits and thresholds of the engine."""

    max_message_chars: int = 2000
    max_actions_per_turn: int = 12
    # Conversations whose tracker state is kept between turns (LRU; others are replayed),
    # and the most events they may hold in all.
    tracker_cache_size: int = 10_000
    tracker_cache_events: int = 250_000
    # Sender, text and metadata limits every channel's messages are held to.
    inputs: InputLimits = field(default_factory=InputLimits)
    fallback: FallbackConfig = field(default_factory=FallbackConfig)


@dataclass
class Turn:
    """What one turn has produced so far."""

    tracker: DialogueTracker
    parse: ParseResult
    is_payload: bool
    extracted: dict[str, Any] = field(default_factory=dict)
    messages: list[BotMessage] = field(default_factory=list)
    steps: int = 0


class DialogueEngine:
    """Implements ``bot.messages.MessageHandler`` on Rasa-style trackers and rules."""

    def __init__(self, domain: Domain, rules: RuleSet, actions: Mapping[str, Action],
                 store: ConversationStore, interpreter: Interpreter | None = None,
                 locks: SenderLocks | None = None, config: EngineConfig | None = None,
                 after_handoff: AfterHandoffPath | None = None) -> None:
        self.after_handoff = after_handoff
        self.domain, self.rules, self.actions, self.store = domain, rules, actions, store
        self.interpreter = interpreter or BasicInterpreter()
        self.parser = BatchingParser(self.interpreter)
        self.locks = locks or LocalSenderLocks()
        self.config = config or EngineConfig()
        self._domain_dict = domain.as_dict()
        # conversation id -> the tracker after its last completed turn, so a turn applies
        # only the events it has not seen instead of replaying the whole session.
        self._trackers: BoundedLru[int, DialogueTracker] = BoundedLru(
            self.config.tracker_cache_size, self.config.tracker_cache_events,
            lambda tracker: len(tracker.events))

    def check_text(self, text: str) -> str:
        """The stripped text; ``InvalidInput`` when empty or longer than the limit."""
        text = check_unicode(text if text is not None else "", "message").strip()
        if not text:
            raise InvalidInput("the message is empty", details={"field": "message"})
        limit = self.config.max_message_chars
        if len(text) > limit:
            raise InvalidInput(
                f"the message is too long ({len(text)} characters; the limit is {limit})",
                details={"field": "message", "max_chars": limit, "length": len(text)},
            )
        return text

    async def handle(self, message: UserMessage) -> list[BotMessage]:
        """Process one message after the sender's earlier ones; return the replies.

        Every channel's message is checked here (``bot.inputs``): a refused one raises
        ``InvalidInput`` naming the field before anything is stored; an accepted one is
        stored whole."""
        text = self.check_text(message.text)
        check_sender(message.sender_id, "sender", self.config.inputs)
        check_metadata(message.metadata, "metadata", self.config.inputs)
        async with self.locks.hold(message.sender_id):
            return await self._turn(message, text)

    async def history(self, sender_id: str, channel: str = "web") -> list[dict[str, Any]]:
        """The current session's user and bot messages, oldest first (to restore a chat)."""
        async with self.locks.hold(sender_id):  # never half a turn
            events = await self.store.peek(sender_id, channel)
        tracker = DialogueTracker.from_events(sender_id, self.domain, events)
        start = max((i for i, e in enumerate(tracker.events)
                     if e.get("event") in ("session_started", "restart")), default=-1)
        items: list[dict[str, Any]] = []
        titles: dict[str, str] = {}  # a clicked button shows as its title, not its payload
        for event in tracker.events[start + 1:]:
            if event.get("event") == "user":
                text = event.get("text") or ""
                items.append({"role": "user", "text": titles.get(text, text)})
            elif event.get("event") == "bot":
                buttons = (event.get("data") or {}).get("buttons") or ()
                if buttons:
                    titles = {b.get("payload"): b.get("title") for b in buttons}
                data = event.get("data") or {}
                items.append({"role": "bot", "text": event.get("text"),
                              "buttons": data.get("buttons") or []})
        return items

    # --- the turn -----------------------------------------------------------------------

    async def _turn(self, message: UserMessage, text: str) -> list[BotMessage]:
        forget = getattr(self.store, "forget", None)
        if forget is not None and self.after_handoff is not None \
                and self.after_handoff.ended(message.sender_id):
            forget(message.sender_id, message.channel)  # closed by the agent just now
        conv = await self.store.load(message.sender_id, message.channel)
        tracker = self._tracker(conv)
        try:
            start = len(tracker.events)
            self._maybe_start_session(tracker, conv)
            turn = await self._understand(tracker, text, message)
            await self.store.record_user(conv, text, turn.parse, tracker.events[start:])
            mark = len(tracker.events)
            slots_before = dict(tracker.slots)
            if self.after_handoff is not None:
                # What an agent said while this customer had no live socket (REST, voice);
                # not stored again (the console stored the agent's messages).
                turn.messages.extend(self.after_handoff.undelivered(message.sender_id,
                                                                    tracker.language))
            if not tracker.paused:
                await self._respond(turn)
                tracker.update(ev.action_executed(ev.ACTION_LISTEN))
            elif self.after_handoff is not None:
                # Every channel's paused turn: to the agent, or an honest status reply.
                for reply in await self.after_handoff.on_message(
                        message.sender_id, conv.conversation_id, text, tracker.language):
                    self._emit(turn, reply)
            await self.store.record_bot(conv, turn.messages, tracker.events[mark:],
                                        self._changes(tracker, slots_before))
        except BaseException:
            self._trackers.pop(conv.conversation_id, None)  # holds unsaved events
            raise
        self._keep(conv.conversation_id, tracker)
        return turn.messages

    def _tracker(self, conv: StoredConversation) -> DialogueTracker:
        """The conversation's tracker: the kept one plus the events stored since (another
        worker's), or a replay of the stored events."""
        tracker = self._trackers.pop(conv.conversation_id, None)
        if tracker is None or tracker.sender_id != conv.sender_id \
                or len(tracker.events) > len(conv.events):
            return DialogueTracker.from_events(conv.sender_id, self.domain, conv.events)
        for event in conv.events[len(tracker.events):]:
            tracker.update(event)
        return tracker

    def _keep(self, conversation_id: int, tracker: DialogueTracker) -> None:
        # As a replay would have it: the latest message without this turn's metadata
        # (credentials a host site passed are for this turn's actions only).
        user = next((e for e in reversed(tracker.events) if e.get("event") == "user"), None)
        if user is not None:
            tracker.latest_message = {"text": user.get("text"), **(user.get("parse_data") or {})}
        self._trackers.put(conversation_id, tracker)

    def _maybe_start_session(self, tracker: DialogueTracker, conv: StoredConversation) -> None:
        last = tracker.last_event_time()
        expiry = self.domain.session.expiration_minutes * 60
        if last is None or (expiry > 0 and time.time() - last > expiry):
            tracker.update(ev.action_executed(ev.ACTION_SESSION_START))
            tracker.update(ev.session_started())
            tracker.update(ev.action_executed(ev.ACTION_LISTEN))
        if tracker.get_slot("conversation_id") != conv.conversation_id:
            tracker.update(ev.slot_set("conversation_id", conv.conversation_id))

    async def _understand(self, tracker: DialogueTracker, text: str,
                          message: UserMessage) -> Turn:
        payload = parse_payload(text, tracker.language)
        parse = payload or await self.parser.parse(text)
        if (payload is None and parse.language and parse.language != tracker.language
                and has_language_evidence(text)):
            tracker.update(ev.slot_set("language", parse.language))
        stored_meta = {k: v for k, v in message.metadata.items() if k not in _SECRET_METADATA}
        tracker.update(ev.user_uttered(text, parse.to_dict(), message.channel, stored_meta))
        # The credentials are visible to this turn's actions only, never stored.
        tracker.latest_message["metadata"] = dict(message.metadata)
        turn = Turn(tracker=tracker, parse=parse, is_payload=payload is not None)
        self._extract_slots(turn)
        return turn

    def _extract_slots(self, turn: Turn) -> None:
        """Fill slots mapped ``from_entity`` (with no form condition) from this message.

        While a form waits for free text (an address), only the form's own slots are
        filled: "12 Main Street" must not become an order number.
        """
        by_entity: dict[str, Any] = {}
        for entity in turn.parse.entities:
            by_entity.setdefault(entity.entity, entity.value)
        only: tuple[str, ...] | None = None
        form, requested = turn.tracker.active_loop, turn.tracker.get_slot(REQUESTED_SLOT)
        spec = self.domain.slots.get(requested or "")
        if form in self.domain.forms and spec and any(
                m.type == "from_text" for m in spec.mappings):
            only = self.domain.forms[form]
        for spec in self.domain.slots.values():
            if only is not None and spec.name not in only:
                continue
            for mapping in spec.mappings:
                if (mapping.type == "from_entity" and mapping.active_loop is None
                        and mapping.entity in by_entity):
                    value = by_entity[mapping.entity]
                    turn.extracted[spec.name] = value
                    if turn.tracker.get_slot(spec.name) != value:
                        turn.tracker.update(ev.slot_set(spec.name, value))
                    break

    def _changes(self, tracker: DialogueTracker, before: dict[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {"language": tracker.language}
        if tracker.get_slot("customer_id") and before.get("customer_id") != tracker.get_slot(
                "customer_id"):
            changes["customer_id"] = tracker.get_slot("customer_id")
        if tracker.paused:
            changes["handoff_reason"] = tracker.get_slot("handoff_reason")
            changes["paused"] = True
        return changes

    # --- deciding ---------------------------------------------------------------------

    async def _respond(self, turn: Turn) -> None:
        tracker, parse = turn.tracker, turn.parse
        if (parse.intent.name == "csat_rating" and self.after_handoff is not None
                and await self.after_handoff.rate(tracker.sender_id,
                                                  tracker.get_slot("csat_score"))):
            # The rating of the agent conversation that just ended (any channel).
            await self._utter(turn, "utter_thanks_feedback")
            return
        streak = negative_streak(tracker, self.config.fallback)
        if (parse.sentiment.score <= self.config.fallback.negative_score
                and streak >= self.config.fallback.negative_turns):
            await self._handoff(turn, "negative_sentiment")
            return
        if tracker.active_loop and tracker.active_loop in self.domain.forms:
            await self._continue_form(turn)
            return
        actions = self.rules.on_intent.get(parse.intent.name)
        same = {i for i, a in self.rules.on_intent.items() if actions and a == actions}
        if actions is None or (not turn.is_payload
                               and is_uncertain(parse, same, self.config.fallback)):
            if not turn.is_payload and await self._knows(turn):
                await self._run(turn, KNOWLEDGE_ACTION)  # the help center answers it
                return
            await self._fallback(turn)
            return
        await self._run_all(turn, actions)

    async def _knows(self, turn: Turn) -> bool:
        """Whether a published article answers what no task intent covers (the knowledge
        action's own calibrated threshold decides; absent, nothing is known)."""
        knows = getattr(self.actions.get(KNOWLEDGE_ACTION), "knows", None)
        return knows is not None and await knows(turn.parse.text, turn.tracker.language)

    async def _fallback(self, turn: Turn) -> None:
        tracker = turn.tracker
        count = tracker.consecutive_fallbacks() + 1
        tracker.update(ev.action_executed(ev.ACTION_DEFAULT_FALLBACK))
        if count >= 2:
            await self._handoff(turn, "repeated_fallback")
            return
        guesses = suggestions(turn.parse, set(self.rules.on_intent))
        if not guesses:
            await self._utter(turn, "utter_ask_rephrase")
            return
        question = render_response(self.domain, "utter_did_you_mean", tracker.slots)
        other = render_response(self.domain, "utter_something_else", tracker.slots)
        buttons = suggestion_buttons(turn.parse, guesses, tracker.language,
                                     other.text if other and other.text else "Something else")
        self._emit(turn, BotMessage(text=question.text if question else "Did you mean:",
                                    buttons=buttons, language=tracker.language))

    async def _handoff(self, turn: Turn, reason: str) -> None:
        tracker = turn.tracker
        if tracker.active_loop:
            tracker.update(ev.active_loop(None))
            tracker.update(ev.slot_set(REQUESTED_SLOT, None))
        tracker.update(ev.slot_set("handoff_reason", reason))
        await self._run(turn, HANDOFF_ACTION)

    # --- forms ------------------------------------------------------------------------

    async def _continue_form(self, turn: Turn) -> None:
        tracker, parse = turn.tracker, turn.parse
        form = tracker.active_loop or ""
        requested = tracker.get_slot(REQUESTED_SLOT)
        candidates = self._form_candidates(turn, form, requested)
        intent = parse.intent.name
        digression = (not candidates and intent not in _FORM_FRIENDLY
                      and intent in self.rules.on_intent
                      and not is_uncertain(parse, None, self.config.fallback))
        if digression and intent == "deny":
            self._deactivate(tracker)
            tracker.update(ev.slot_set("pending_action", None))
            await self._utter(turn, "utter_default")
        elif digression:
            await self._run_all(turn, self.rules.on_intent[intent])
            if tracker.active_loop == form and not tracker.paused and requested:
                await self._ask(turn, requested)
        else:
            await self._form_step(turn, form, candidates)

    def _form_candidates(self, turn: Turn, form: str, requested: str | None) -> dict[str, Any]:
        required = self.domain.forms[form]
        found = {s: v for s, v in turn.extracted.items() if s in required}
        if requested and requested not in found:
            # ``from_intent`` (Rasa): "yes" / a Yes button fills the slot with a set value.
            found.update(from_intent(self.domain.slots.get(requested), form, requested,
                                     turn.parse.intent.name))
        if requested and requested not in found and not turn.is_payload:
            spec = self.domain.slots.get(requested)
            for mapping in spec.mappings if spec else ():
                if (mapping.type == "from_text" and mapping.active_loop in (None, form)
                        and mapping.requested_slot in (None, requested)):
                    found[requested] = turn.parse.text
            if requested not in found:
                # The pattern extractor backs NLU up for the values forms ask for.
                for entity in pattern_entities(turn.parse.text):
                    if entity.entity == requested:
                        found[requested] = entity.value
                        break
        return found

    async def _activate_form(self, turn: Turn, form: str) -> None:
        tracker = turn.tracker
        tracker.update(ev.active_loop(form))
        # Values already known (e.g. the order number in "where is order 10432") are
        # validated like freshly given ones.
        prefilled = {s: tracker.get_slot(s) for s in self.domain.forms[form]
                     if tracker.get_slot(s) is not None}
        await self._form_step(turn, form, prefilled)

    async def _form_step(self, turn: Turn, form: str, candidates: dict[str, Any]) -> None:
        tracker = turn.tracker
        tracker.update(ev.action_executed(form))
        validator = self.actions.get(f"validate_{form}")
        if candidates:
            for name, value in candidates.items():
                tracker.update(ev.slot_set(name, value))
            if validator is not None:
                await self._call(turn, validator, log_action=False)
        if tracker.get_slot("handoff_reason") and not tracker.paused:
            await self._handoff(turn, tracker.get_slot("handoff_reason"))
            return
        missing = next((s for s in self.domain.forms[form] if tracker.get_slot(s) is None), None)
        if missing is None:
            self._deactivate(tracker)
            await self._run_all(turn, self.rules.on_form_done.get(form, ()))
        else:
            if tracker.get_slot(REQUESTED_SLOT) != missing:
                tracker.update(ev.slot_set(REQUESTED_SLOT, missing))
            await self._ask(turn, missing)

    def _deactivate(self, tracker: DialogueTracker) -> None:
        tracker.update(ev.active_loop(None))
        tracker.update(ev.slot_set(REQUESTED_SLOT, None))

    async def _ask(self, turn: Turn, slot: str) -> None:
        custom = f"action_ask_{slot}"
        await self._run(turn, custom if custom in self.actions else f"utter_ask_{slot}")

    # --- running actions --------------------------------------------------------------

    async def _run_all(self, turn: Turn, names: tuple[str, ...]) -> None:
        for name in names:
            if turn.tracker.paused:
                return
            await self._run(turn, name)

    async def _run(self, turn: Turn, name: str) -> None:
        turn.steps += 1
        if turn.steps > self.config.max_actions_per_turn:
            log.warning("action budget exhausted for %s at %s", turn.tracker.sender_id, name)
            return
        if name in self.domain.forms:
            await self._activate_form(turn, name)
        elif name.startswith("utter_"):
            turn.tracker.update(ev.action_executed(name))
            await self._utter(turn, name)
        elif name in self.actions:
            await self._call(turn, self.actions[name])
        else:
            log.error("no action named %r; check domain and rules", name)
            await self._utter(turn, "utter_default")
            return
        followup = turn.tracker.followup_action
        if followup and not turn.tracker.paused:
            await self._run(turn, followup)

    async def _utter(self, turn: Turn, response: str, **args: Any) -> None:
        message = render_response(self.domain, response, turn.tracker.slots, args)
        if message is not None:
            self._emit(turn, message)

    def _emit(self, turn: Turn, message: BotMessage) -> None:
        data: dict[str, Any] = {}
        if message.buttons:
            data["buttons"] = [{"title": b.title, "payload": b.payload} for b in message.buttons]
        if message.image:
            data["image"] = message.image
        if message.custom is not None:
            data["custom"] = message.custom
        turn.tracker.update(ev.bot_uttered(message.text, data))
        turn.messages.append(message)

    async def _call(self, turn: Turn, action: Action, log_action: bool = True) -> None:
        """Run a rasa-sdk action exactly as rasa-sdk's executor would, then apply its output."""
        tracker = turn.tracker
        dispatcher = CollectingDispatcher()
        name = action.name()
        try:
            events = await call_potential_coroutine(action.run(
                dispatcher, Tracker.from_dict(tracker.to_rasa_dict()), self._domain_dict,
            )) or []
        except KefuError as exc:
            log.warning("action %s failed: %s", name, exc.message)
            dispatcher.messages.clear()
            dispatcher.utter_message(response="utter_service_unavailable")
            events = []
        except Exception:  # noqa: BLE001 - the customer gets an apology, the log the trace
            log.exception("action %s crashed", name)
            dispatcher.messages.clear()
            dispatcher.utter_message(response="utter_service_unavailable")
            events = []
        if log_action:
            tracker.update(ev.action_executed(name))
        for raw in dispatcher.messages:
            message = render_dispatched(self.domain, raw, tracker.slots)
            if message is not None:
                self._emit(turn, message)
        for event in events:
            if isinstance(event, dict) and event.get("event"):
                event.setdefault("timestamp", time.time())
                event["timestamp"] = event["timestamp"] or time.time()
                tracker.update(event)
