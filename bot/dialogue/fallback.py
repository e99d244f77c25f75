"""When the bot is unsure: "Did you mean ...?" buttons, then rephrase, then a person.

Also the sentiment trigger for a handoff. Pure functions over a tracker and a ParseResult.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.dialogue.tracker import DialogueTracker
from bot.messages import Button
from bot.nlu.types import FALLBACK_INTENT, Intent, ParseResult

# Titles of the "Did you mean ...?" buttons, per language.
INTENT_LABELS: dict[str, dict[str, str]] = {
    "order_status": {"en": "Check an order", "zh": "查询订单"},
    "track_shipment": {"en": "Track a parcel", "zh": "查询物流"},
    "cancel_order": {"en": "Cancel an order", "zh": "取消订单"},
    "change_address": {"en": "Change the delivery address", "zh": "修改收货地址"},
    "return_refund": {"en": "Return or refund", "zh": "退货退款"},
    "complaint": {"en": "Make a complaint", "zh": "投诉"},
    "ticket_status": {"en": "Status of a ticket", "zh": "查询工单"},
    "product_question": {"en": "A product question", "zh": "商品咨询"},
    "recommendation": {"en": "Get recommendations", "zh": "商品推荐"},
    "human_handoff": {"en": "Talk to a person", "zh": "转人工"},
    "account_update": {"en": "Update my account", "zh": "修改账户信息"},
    "faq_shipping": {"en": "Shipping times and costs", "zh": "配送说明"},
    "faq_payment": {"en": "Payment methods", "zh": "支付方式"},
    "faq_returns_policy": {"en": "Returns policy", "zh": "退货政策"},
    "faq_opening_hours": {"en": "Opening hours", "zh": "服务时间"},
    "greet": {"en": "Say hello", "zh": "打招呼"},
    "goodbye": {"en": "End the chat", "zh": "结束对话"},
}
# Intents never offered as a guess.
_NOT_SUGGESTED = {FALLBACK_INTENT, "out_of_scope", "affirm", "deny", "thanks", "provide_identity"}


@dataclass(frozen=True)
class FallbackConfig:
    """Below ``threshold``, or top two closer than ``margin``, the bot is unsure."""

    threshold: float = 0.4
    margin: float = 0.05
    negative_score: float = -0.5
    negative_turns: int = 2


def is_uncertain(parse: ParseResult, same_handling: set[str] | None = None,
                 config: FallbackConfig = FallbackConfig()) -> bool:
    """True when the top intent is the fallback, too weak, or too close to the runner-up.

    ``same_handling`` lists intents answered the same way as the top one: a close call
    between them is no ambiguity (e.g. order_status vs track_shipment).
    """
    top = parse.intent
    if top.name == FALLBACK_INTENT or top.confidence < config.threshold:
        return True
    ranking = [i for i in parse.intent_ranking if i.name != top.name]
    if not ranking:
        return False
    second = max(ranking, key=lambda i: i.confidence)
    if second.name == FALLBACK_INTENT or second.name in (same_handling or set()):
        return False
    return top.confidence - second.confidence < config.margin


def suggestions(parse: ParseResult, known: set[str], limit: int = 2) -> list[Intent]:
    """The best guesses worth offering as buttons."""
    ranked = sorted(parse.intent_ranking or (parse.intent,), key=lambda i: -i.confidence)
    return [i for i in ranked
            if i.name in known and i.name not in _NOT_SUGGESTED and i.confidence > 0.05][:limit]


def suggestion_buttons(parse: ParseResult, guesses: list[Intent], language: str,
                       something_else: str) -> tuple[Button, ...]:
    """One button per guess (keeping the message's entities), then "Something else"."""
    entities = {e.entity: e.value for e in parse.entities}
    suffix = json.dumps(entities, ensure_ascii=False) if entities else ""
    buttons = [
        Button(title=INTENT_LABELS.get(i.name, {}).get(language)
               or INTENT_LABELS.get(i.name, {}).get("en") or i.name.replace("_", " "),
               payload=f"/{i.name}{suffix}")
        for i in guesses
    ]
    return (*buttons, Button(title=something_else, payload="/rephrase"))


def negative_streak(tracker: DialogueTracker, config: FallbackConfig = FallbackConfig()) -> int:
    """How many user turns since the session start (or the bot was resumed) were strongly
    negative."""
    return sum(1 for score in tracker.sentiments if score <= config.negative_score)
