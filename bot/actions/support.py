"""FAQ answers, the handoff to a person, goodbye with the CSAT question, CSAT recording."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import DomainDict, KefuAction, language
from crm_core.errors import Conflict, InvalidInput, NotFound
from routing.handoff import HandoffRequest


class ActionFaq(KefuAction):
    """Answers the latest FAQ intent from ``config/faq.yml`` in the customer's language."""

    def name(self) -> str:
        """For the faq_* intents."""
        return "action_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Say the answer (or that there is none)."""
        from bot.actions.knowledge import answer_with, question_of

        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
        services = await self.services()
        # A published article that answers this very question beats the FAQ's generic
        # text ("do you ship to Canada?" is more than shipping times).
        hits = services.knowledge_hits(question_of(tracker), language(tracker))
        if hits:
            return await answer_with(self, dispatcher, hits, 0, language(tracker), tracker)
        answer = services.faq_answer(intent, language(tracker))
        if answer:
            dispatcher.utter_message(text=answer)
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []


def transcript(tracker: Tracker, limit: int = 40) -> tuple[dict[str, object], ...]:
    """The latest user and bot messages as ``{role, text, intent?}``."""
    items: list[dict[str, object]] = []
    for event in tracker.events:
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            items.append({"role": "customer", "text": event.get("text") or "", "intent": intent})
        elif event.get("event") == "bot" and event.get("text"):
            items.append({"role": "bot", "text": event["text"]})
    return tuple(items[-limit:])


def _last_intent(tracker: Tracker) -> str | None:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if name and name not in ("human_handoff", "nlu_fallback", "rephrase", "deny"):
                return name
    return None


class ActionHandoff(KefuAction):
    """Pause the bot and pass the conversation to people (routing's queue, or a ticket)."""

    def name(self) -> str:
        """For human_handoff and every handoff trigger."""
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Hand off, tell the customer what happens next, pause."""
        reason = tracker.get_slot("handoff_reason") or "asked_for_human"
        sentiment = ((tracker.latest_message or {}).get("sentiment") or {}).get("score")
        conversation_id = tracker.get_slot("conversation_id")
        customer_id = tracker.get_slot("customer_id") if tracker.get_slot(
            "identity_verified") else None
        request = HandoffRequest(
            conversation_id=int(conversation_id) if conversation_id is not None else 0,
            sender_id=tracker.sender_id, channel=tracker.get_latest_input_channel() or "web",
            reason=reason, language=language(tracker),
            customer_id=int(customer_id) if customer_id else None,
            intent=_last_intent(tracker), sentiment_score=sentiment,
            transcript=transcript(tracker),
        )
        result = await (await self.services()).sink().handoff(request)
        # Channels that connect people themselves (a phone line) look for custom.handoff.
        custom = {"handoff": {"status": result.status, "reason": reason,
                              "ticket_number": result.ticket_number,
                              "queue_position": result.queue_position}}
        if result.status == "queued":
            wait = round((result.estimated_wait_seconds or 0) / 60) or 1
            dispatcher.utter_message(response="utter_handoff_queued", json_message=custom,
                                     position=result.queue_position or 1, wait=wait)
        else:
            dispatcher.utter_message(response="utter_handoff_ticket", json_message=custom,
                                     ticket_number=result.ticket_number or "")
        return [SlotSet("handoff_reason", reason), ConversationPaused()]


class ActionGoodbye(KefuAction):
    """Say goodbye and ask for a 1-5 rating."""

    def name(self) -> str:
        """For goodbye."""
        return "action_goodbye"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Goodbye, then the CSAT buttons."""
        dispatcher.utter_message(response="utter_goodbye")
        dispatcher.utter_message(response="utter_ask_csat")
        return []


class ActionRecordCsat(KefuAction):
    """Store the rating given with the CSAT buttons."""

    def name(self) -> str:
        """For csat_rating."""
        return "action_record_csat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Record the score once per conversation, thank the customer."""
        from crm_core.services import csat

        conversation_id = tracker.get_slot("conversation_id")
        try:
            score = int(float(tracker.get_slot("csat_score")))
            if conversation_id is not None:
                await csat.record_csat((await self.services()).uow(), int(conversation_id),
                                       score)
        except (TypeError, ValueError, InvalidInput, Conflict, NotFound):
            pass  # a second or malformed rating is thanked and ignored
        dispatcher.utter_message(response="utter_thanks_feedback")
        return []
