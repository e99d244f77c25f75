"""Order actions for a verified customer: status with tracking, cancel, change the
shipping address, request a return. Every lookup is scoped to the customer, so someone
else's order is simply "not found"."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import DomainDict, VerifiedAction, language, normalize_order_number
from bot.actions.confirm import ask_to_confirm, change_done, is_confirmed
from crm_core.domain import rules
from crm_core.errors import NotFound, RuleViolation

_STATUS_ZH = {"pending": "待付款", "paid": "已付款，待发货", "shipped": "已发货",
              "delivered": "已送达", "cancelled": "已取消", "returned": "已退货"}


def status_label(status: Any, lang: str) -> str:
    """An order status as the customer reads it."""
    value = str(status)
    return _STATUS_ZH.get(value, value) if lang == "zh" else value


def status_detail(order: Any, lang: str) -> str:
    """Tracking and dates worth telling for the order's status."""
    status = str(order.status)
    zh = lang == "zh"
    if status == "shipped":
        if order.tracking_number:
            return (f"物流单号：{order.tracking_number}。" if zh
                    else f"Tracking number: {order.tracking_number}.")
        return "已出库。" if zh else "It has left our warehouse."
    if status == "delivered" and order.delivered_at:
        day = order.delivered_at.date().isoformat()
        return f"送达日期：{day}。" if zh else f"Delivered on {day}."
    if status in ("pending", "paid"):
        return "尚未发货。" if zh else "It has not shipped yet."
    return ""


def line_label(line: Any) -> str:
    """One order line as the customer reads it: "2 × Blue mug"."""
    return f"{line.quantity} × {line.product.name}"


def order_summary(order: Any) -> str:
    """What an order holds and costs: "2 × Blue mug, 25.00 USD"."""
    items = ", ".join(line_label(line) for line in order.lines)
    return f"{items}, {order.total:.2f} {order.currency}" if items else \
        f"{order.total:.2f} {order.currency}"


_WEEKDAYS_ZH = "一二三四五六日"


def _day(day: Any, lang: str) -> str:
    if lang == "zh":
        return f"{day.month}月{day.day}日（周{_WEEKDAYS_ZH[day.weekday()]}）"
    return f"{day:%a} {day.day} {day:%b}"


def delivery_text(estimate: Any, lang: str) -> str:
    """"Expected between Tue 8 Dec and Thu 10 Dec." (or that it is overdue); "" for None."""
    if estimate is None:
        return ""
    first, last = _day(estimate.earliest, lang), _day(estimate.latest, lang)
    if estimate.late:
        return (f"它本应在 {last} 前送达，已经晚了，很抱歉。如需帮助，我可以为您提交工单。"
                if lang == "zh" else
                f"It should have arrived by {last}, so it is late, sorry. If you like, I "
                "can open a ticket for you.")
    if lang == "zh":
        return f"预计送达：{first}" + ("" if first == last else f" 至 {last}") + "。"
    span = f"on {first}" if first == last else f"between {first} and {last}"
    after = " once it is paid" if str(estimate.basis) == "after_payment" else ""
    return f"Expected {span}{after}."


class _OrderAction(VerifiedAction):
    """Resolves which order the customer means, or offers their recent orders."""

    intent_for_buttons = "order_status"

    async def _order_number(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                            customer_id: int) -> str | None:
        number = normalize_order_number(tracker.get_slot("order_number"))
        if number:
            return number
        from crm_core.services import orders

        page = await orders.list_orders((await self.services()).uow(), customer_id=customer_id,
                                        limit=5)
        items = list(getattr(page, "items", page))
        if not items:
            dispatcher.utter_message(response="utter_no_orders")
            return None
        buttons = [{"title": f"{o.number} ({status_label(o.status, language(tracker))})",
                    "payload": f"/{self.intent_for_buttons}"
                               + json.dumps({"order_number": o.number})}
                   for o in items]
        dispatcher.utter_message(response="utter_which_order", buttons=buttons)
        return None


class ActionOrderStatus(_OrderAction):
    """Where an order is, with its tracking number once shipped."""

    def name(self) -> str:
        """For order_status and track_shipment."""
        return "action_order_status"

    async def run_verified(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict, customer_id: int) -> list[EventType]:
        """Tell the status of the customer's order."""
        from crm_core.services import orders

        number = await self._order_number(dispatcher, tracker, customer_id)
        if number is None:
            return []
        try:
            order = await orders.get_order((await self.services()).uow(), number,
                                           customer_id=customer_id)
        except NotFound:
            dispatcher.utter_message(response="utter_order_not_found", order_number=number)
            return [SlotSet("order_number", None)]
        lang = language(tracker)
        from bot.actions.addresses import home_country
        from crm_core.delivery import estimate_delivery
        from crm_core.models import utcnow

        services = await self.services()
        estimate = estimate_delivery(order, services.sla_policy(), utcnow(),
                                     default_country=await home_country(services, tracker))
        detail = " ".join(t for t in (status_detail(order, lang), delivery_text(estimate, lang))
                          if t)
        dispatcher.utter_message(response="utter_order_status", order_number=order.number,
                                 status=status_label(order.status, lang), detail=detail)
        return [SlotSet("order_number", order.number)]


class ActionCancelOrder(_OrderAction):
    """Cancel an order that has not shipped."""

    intent_for_buttons = "cancel_order"
    step_up = "order_change"

    def name(self) -> str:
        """For cancel_order."""
        return "action_cancel_order"

    async def run_verified(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict, customer_id: int) -> list[EventType]:
        """Cancel, or explain why it cannot be."""
        from crm_core.services import orders

        number = await self._order_number(dispatcher, tracker, customer_id)
        if number is None:
            return []
        services = await self.services()
        key = f"cancel:{number}"
        try:
            if not is_confirmed(tracker, key):
                order = await orders.get_order(services.uow(), number, customer_id=customer_id)
                rules.check_can_cancel(order.number, order.status)
                return [SlotSet("order_number", number), *ask_to_confirm(
                    self.name(), key, "utter_confirm_cancel", order_number=number,
                    summary=order_summary(order))]
            await orders.cancel_order(services.uow(), number, actor="bot",
                                      customer_id=customer_id, reason="customer request via chat")
        except NotFound:
            dispatcher.utter_message(response="utter_order_not_found", order_number=number)
            return [SlotSet("order_number", None), *change_done()]
        except RuleViolation as exc:
            status = exc.details.get("status", "shipped")
            dispatcher.utter_message(response="utter_cannot_cancel", order_number=number,
                                     status=status_label(status, language(tracker)))
            return change_done()
        dispatcher.utter_message(response="utter_order_cancelled", order_number=number)
        return change_done()


class ActionChangeAddress(_OrderAction):
    """Change where an order ships, asking for the address with ``address_form``."""

    intent_for_buttons = "change_address"
    step_up = "order_change"

    def name(self) -> str:
        """For change_address and when address_form completes."""
        return "action_change_address"

    async def run_verified(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict, customer_id: int) -> list[EventType]:
        """Ask for the address if needed, then change it (only before shipping)."""
        from crm_core.services import orders

        number = await self._order_number(dispatcher, tracker, customer_id)
        if number is None:
            return []
        services = await self.services()
        address = (tracker.get_slot("new_address") or "").strip()
        key = f"address:{number}:{address}"
        try:
            if not is_confirmed(tracker, key):
                # Refuse a shipped order before asking for an address it cannot use.
                order = await orders.get_order(services.uow(), number, customer_id=customer_id)
                rules.check_can_change_address(order.number, order.status)
                if not address:
                    return [SlotSet("order_number", number), FollowupAction("address_form")]
                return [SlotSet("order_number", number), *ask_to_confirm(
                    self.name(), key, "utter_confirm_address", order_number=number,
                    new_address=address, old_address=order.shipping_address or "-")]
            order = await orders.change_shipping_address(
                services.uow(), number, address, actor="bot", customer_id=customer_id)
        except NotFound:
            dispatcher.utter_message(response="utter_order_not_found", order_number=number)
            return [SlotSet("order_number", None), *change_done()]
        except RuleViolation as exc:
            dispatcher.utter_message(
                response="utter_cannot_change_address", order_number=number,
                status=status_label(exc.details.get("status", "shipped"), language(tracker)))
            return change_done()
        dispatcher.utter_message(response="utter_address_changed", order_number=order.number,
                                 new_address=order.shipping_address)
        return change_done()
