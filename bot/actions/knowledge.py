"""Answers from the help center: the best passage of a published article, quoted as it
is (never a generated paraphrase), with the article's title and ``/help/<slug>`` link and
"Did this answer your question?" buttons. Yes counts as helpful and resolved; No shows
the next passage, then a person. Below the calibrated threshold the bot says it does not
know and offers a person."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import DomainDict, KefuAction, language
from crm_core.errors import NotFound

HELP_PREFIX = "/help/"
FEEDBACK_INTENT = "kb_feedback"
_TEXT = {
    "en": {"from": "From our help center, “{title}”:", "more": "Read more: {url}",
           "ask": "Did this answer your question?", "yes": "Yes, thanks", "no": "No",
           "dont_know": "I'm sorry, I don't know the answer to that, and I'd rather not "
                        "guess. Would you like me to connect you with a person?",
           "person": "Talk to a person", "rephrase": "Ask something else",
           "glad": "Great, glad that helped! Anything else I can do for you?"},
    "zh": {"from": "来自帮助中心《{title}》：", "more": "查看全文：{url}",
           "ask": "这个回答解决您的问题了吗？", "yes": "解决了，谢谢", "no": "没有",
           "dont_know": "抱歉，这个问题我不知道答案，也不想乱猜。需要为您转接人工客服吗？",
           "person": "转人工", "rephrase": "问别的问题",
           "glad": "太好了，很高兴能帮到您！还有其他需要帮忙的吗？"},
}


def _t(lang: str, key: str, **args: Any) -> str:
    return (_TEXT.get(lang) or _TEXT["en"])[key].format(**args)


def question_of(tracker: Tracker) -> str:
    """The customer's latest typed message (button payloads are not questions)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            text = (event.get("text") or "").strip()
            if text and not text.startswith("/"):
                return text
    return ""


def _entity(tracker: Tracker, name: str) -> Any:
    for entity in (tracker.latest_message or {}).get("entities") or ():
        if entity.get("entity") == name:
            return entity.get("value")
    return None


class ActionKnowledgeAnswer(KefuAction):
    """Answer the latest question from the help center, or say it does not know."""

    def name(self) -> str:
        """For out_of_scope, and what no task intent covers (the engine asks ``knows``)."""
        return "action_knowledge_answer"

    async def knows(self, text: str, lang: str) -> bool:
        """True when a published passage is confident enough to answer ``text`` with."""
        return bool((await self.services()).knowledge_hits(text, lang))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """The best passage with its link and the feedback buttons, or "I don't know"."""
        lang = language(tracker)
        question = question_of(tracker)
        hits = (await self.services()).knowledge_hits(question, lang)
        if not hits:
            return dont_know(dispatcher, lang)
        return await answer_with(self, dispatcher, hits, 0, lang, tracker)


def dont_know(dispatcher: CollectingDispatcher, lang: str) -> list[EventType]:
    """Say so, and offer a person (the bot never invents an answer)."""
    dispatcher.utter_message(
        text=_t(lang, "dont_know"),
        buttons=[{"title": _t(lang, "person"), "payload": "/human_handoff"},
                 {"title": _t(lang, "rephrase"), "payload": "/rephrase"}],
        json_message={"knowledge": {"answered": False}})
    return []


async def answer_with(action: KefuAction, dispatcher: CollectingDispatcher, hits: list[Any],
                      rank: int, lang: str, tracker: Tracker) -> list[EventType]:
    """Quote passage ``rank`` of ``hits`` with its link, then ask whether it helped."""
    hit = hits[rank]
    passage = hit.passage
    url = HELP_PREFIX + passage.slug
    text = "\n\n".join([_t(lang, "from", title=passage.title), passage.text,
                        _t(lang, "more", url=url)])
    dispatcher.utter_message(text=text, json_message={"knowledge": {
        "answered": True, "slug": passage.slug, "title": passage.title, "url": url,
        "heading": passage.heading, "score": round(hit.score, 4), "rank": rank}})

    def vote(value: str) -> str:
        return "/" + FEEDBACK_INTENT + json.dumps(
            {"kb_vote": value, "kb_slug": passage.slug, "kb_rank": rank}, ensure_ascii=False)

    dispatcher.utter_message(text=_t(lang, "ask"), buttons=[
        {"title": _t(lang, "yes"), "payload": vote("yes")},
        {"title": _t(lang, "no"), "payload": vote("no")}])
    return []


class ActionKnowledgeFeedback(KefuAction):
    """The "Did this answer your question?" buttons."""

    def name(self) -> str:
        """For kb_feedback payloads."""
        return "action_knowledge_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Yes: count it, resolved. No: count it, the next passage, else a person."""
        from crm_core.services import articles

        services = await self.services()
        lang = language(tracker)
        slug, helpful = str(_entity(tracker, "kb_slug") or ""), _entity(tracker, "kb_vote") == "yes"
        conversation_id = tracker.get_slot("conversation_id")
        try:
            await articles.record_vote(services.uow(), slug, helpful, conversation_id=int(
                conversation_id) if conversation_id is not None else None)
        except NotFound:
            pass  # the article was deleted meanwhile; the customer still gets an answer
        if helpful:
            dispatcher.utter_message(text=_t(lang, "glad"),
                                     json_message={"knowledge": {"resolved": True,
                                                                 "slug": slug}})
            return []
        try:
            rank = int(_entity(tracker, "kb_rank") or 0) + 1
        except (TypeError, ValueError):
            rank = 99
        hits = services.knowledge_hits(question_of(tracker), lang)
        if rank < len(hits):
            return await answer_with(self, dispatcher, hits, rank, lang, tracker)
        return [SlotSet("handoff_reason", "knowledge_not_helpful"),
                FollowupAction("action_handoff")]
