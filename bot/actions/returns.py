"""Returns: which items and why, then "are you sure?", then the return.

``action_request_return`` checks the order can be returned at all before asking anything,
fills in the only item of a one-item order, and runs ``return_form`` for what is missing:
``return_items`` (matched against the order's lines: a product name, a line number from
the list, or "all"; small typos forgiven with ``difflib``) and ``return_reason`` (a few
words). The confirmed return records the items and the reason with the order.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot.actions.base import DomainDict, KefuAction, language
from bot.actions.confirm import ask_to_confirm, change_done, is_confirmed
from bot.actions.orders import _OrderAction, line_label
from bot.actions.services import ActionServices, standalone_services
from crm_core.domain import rules
from crm_core.errors import NotFound, RuleViolation
from crm_core.models import utcnow

RETURN_FORM = "return_form"
_ALL = {"all", "everything", "both", "all of it", "all of them", "the whole order",
        "whole order", "全部", "都", "都退", "所有", "整单", "全部退货", "全退"}
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w-])#?(\d{1,2})(?![\w-])")
MAX_REASON = 500


def match_items(text: str, lines: list[Any]) -> list[Any]:
    """The order lines ``text`` names: all of them, by number in the list ("2"), by product
    name (whole, or one of its words, typos forgiven); [] if none."""
    said = " ".join(str(text or "").lower().split()).strip(" .!。！")
    if not said or not lines:
        return []
    if said in _ALL or any(word in said for word in ("全部", "所有", "整单")):
        return list(lines)
    picked = []
    numbers = {int(n) for n in _NUMBER.findall(said)}
    words = _WORD.findall(said)
    for index, line in enumerate(lines, start=1):
        name = line.product.name.lower()
        name_words = _WORD.findall(name)
        if (name in said or index in numbers and len(lines) > 1
                or any(difflib.get_close_matches(w, words, n=1, cutoff=0.8)
                       for w in name_words)):
            picked.append(line)
    return picked


def _items_list(lines: list[Any]) -> str:
    return "; ".join(f"{i}) {line_label(line)}" for i, line in enumerate(lines, start=1))


async def _order(services: ActionServices, tracker: Tracker) -> Any | None:
    from crm_core.services import orders

    number, customer_id = tracker.get_slot("order_number"), tracker.get_slot("customer_id")
    if not number or customer_id is None:
        return None
    try:
        return await orders.get_order(services.uow(), number, customer_id=int(customer_id))
    except NotFound:
        return None


class ActionRequestReturn(_OrderAction):
    """Start a return of a delivered order within the return window."""

    intent_for_buttons = "return_refund"

    def name(self) -> str:
        """For return_refund and when return_form completes."""
        return "action_request_return"

    async def run_verified(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict, customer_id: int) -> list[EventType]:
        """Check, ask which items and why, confirm, then request the return."""
        from crm_core.services import orders

        number = await self._order_number(dispatcher, tracker, customer_id)
        if number is None:
            return []
        services = await self.services()
        items = (tracker.get_slot("return_items") or "").strip()
        reason = (tracker.get_slot("return_reason") or "").strip()
        key = f"return:{number}:{items}:{reason}"
        try:
            if not is_confirmed(tracker, key):
                order = await orders.get_order(services.uow(), number, customer_id=customer_id)
                rules.check_can_return(order.number, order.status, order.delivered_at,
                                       utcnow(), services.sla_policy().return_window_days)
                if not items and len(order.lines) == 1:
                    items = line_label(order.lines[0])
                if not items or not reason:
                    return [SlotSet("order_number", number), SlotSet("return_items", items or None),
                            FollowupAction(RETURN_FORM)]
                return [SlotSet("order_number", number), *ask_to_confirm(
                    self.name(), key, "utter_confirm_return", order_number=number,
                    items=items, reason=reason)]
            order = await orders.request_return(
                services.uow(), services.sla_policy(), number, actor="bot",
                customer_id=customer_id, reason=f"{reason} (items: {items})")
        except NotFound:
            dispatcher.utter_message(response="utter_order_not_found", order_number=number)
            return [SlotSet("order_number", None), *change_done()]
        except RuleViolation as exc:
            dispatcher.utter_message(response="utter_cannot_return", order_number=number,
                                     reason=_return_reason(exc, language(tracker)))
            return change_done()
        dispatcher.utter_message(response="utter_return_created", order_number=order.number,
                                 reference=f"R-{order.number}")
        return change_done()


def _return_reason(exc: RuleViolation, lang: str) -> str:
    why = exc.details.get("reason")
    if why == "window_closed":
        return "退货期限已过。" if lang == "zh" else "the return window has closed."
    if why == "not_delivered":
        return "订单尚未送达。" if lang == "zh" else "only delivered orders can be returned."
    return exc.message


class ActionAskReturnItems(KefuAction):
    """The question for ``return_items``: the order's lines as a numbered list and buttons."""

    def name(self) -> str:
        """Asked by ``return_form``."""
        return "action_ask_return_items"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """List the lines; a button per line and one for the whole order."""
        order = await _order(await self.services(), tracker)
        lines = list(order.lines) if order else []
        everything = "全部" if language(tracker) == "zh" else "All"
        buttons = [{"title": line_label(line), "payload": line.product.name} for line in lines]
        dispatcher.utter_message(response="utter_ask_return_items",
                                 order_number=tracker.get_slot("order_number") or "",
                                 items=_items_list(lines),
                                 buttons=[*buttons, {"title": everything, "payload": "all"}])
        return []


class ValidateReturnForm(FormValidationAction):
    """Items must be lines of the order; the reason must say something."""

    def __init__(self, services: ActionServices | None = None) -> None:
        self._services = services

    def name(self) -> str:
        """The validation action of ``return_form``."""
        return "validate_return_form"

    async def validate_return_items(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """The named lines as "1 × Mug, 2 × Tea", or ask again with the list."""
        order = await _order(self._services or await standalone_services(), tracker)
        lines = list(order.lines) if order else []
        picked = match_items(str(value or ""), lines)
        if not picked:
            dispatcher.utter_message(response="utter_return_items_unknown",
                                     order_number=tracker.get_slot("order_number") or "",
                                     items=_items_list(lines))
            return {"return_items": None}
        return {"return_items": ", ".join(line_label(line) for line in picked)}

    async def validate_return_reason(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """A few words (letters or Chinese characters), at most ``MAX_REASON`` characters."""
        reason = " ".join(str(value or "").split())[:MAX_REASON]
        if len(re.findall(r"[^\W\d_]", reason)) < 2:
            dispatcher.utter_message(response="utter_return_reason_short")
            return {"return_reason": None}
        return {"return_reason": reason}
