"""Complaints become tickets (or go straight to a person for high-tier customers); a
customer can ask about their own tickets; account changes are requested as tickets."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import DomainDict, VerifiedAction, language
from crm_core.errors import NotFound

# Customers of these tiers with a complaint go to a person at once.
HIGH_TIERS = {"gold", "vip"}
_TICKET = re.compile(r"^\s*#?T[-\s]?(\d{3,12})\s*$|^\s*(\d{3,12})\s*$", re.I)
_STATUS_ZH = {"new": "新建", "open": "处理中", "pending": "等待您回复", "on_hold": "暂停",
              "solved": "已解决", "closed": "已关闭"}


def normalize_ticket_number(value: object) -> str | None:
    """"T-10001" from "t 10001", "#T-10001" or "10001"; None otherwise."""
    match = _TICKET.match(str(value or ""))
    return f"T-{match.group(1) or match.group(2)}" if match else None


class ActionOpenTicket(VerifiedAction):
    """A complaint: a ticket with the customer's words, or a person for high tiers."""

    def name(self) -> str:
        """For complaint."""
        return "action_open_ticket"

    async def run_verified(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict, customer_id: int) -> list[EventType]:
        """Open the ticket (linked to the order and conversation when known)."""
        if str(tracker.get_slot("customer_tier") or "") in HIGH_TIERS:
            return [SlotSet("handoff_reason", "vip_complaint"), FollowupAction("action_handoff")]
        from crm_core.services import tickets

        services = await self.services()
        text = _last_customer_text(tracker)
        conversation_id = tracker.get_slot("conversation_id")
        data = tickets.NewTicket(
            customer_id=customer_id, subject=(text or "Complaint")[:120], category="complaint",
            order_number=None, conversation_id=int(conversation_id) if conversation_id else None,
            description=text,
        )
        try:
            ticket = await tickets.create_ticket(services.uow(), services.sla_policy(), data,
                                                 actor="bot")
        except NotFound:  # a conversation id from an outside Rasa
            data = tickets.NewTicket(customer_id=customer_id, subject=data.subject,
                                     category="complaint", description=text)
            ticket = await tickets.create_ticket(services.uow(), services.sla_policy(), data,
                                                 actor="bot")
        dispatcher.utter_message(response="utter_ticket_created", ticket_number=ticket.number)
        return [SlotSet("ticket_number", ticket.number)]


def _last_customer_text(tracker: Tracker) -> str:
    """The customer's latest words that were not a button payload or an identity answer."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        text = event.get("text") or ""
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if not text.startswith("/") and intent not in ("provide_identity", "affirm"):
            return text
    return (tracker.latest_message or {}).get("text") or ""


class ActionTicketStatus(VerifiedAction):
    """The status of one of the customer's tickets."""

    def name(self) -> str:
        """For ticket_status."""
        return "action_ticket_status"

    async def run_verified(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict, customer_id: int) -> list[EventType]:
        """Tell the ticket's status, or list the open ones."""
        from crm_core.services import tickets

        uow = (await self.services()).uow
        number = normalize_ticket_number(tracker.get_slot("ticket_number"))
        if number is None:
            page = await tickets.list_tickets(uow(), customer_id=customer_id, limit=5)
            if not page.items:
                dispatcher.utter_message(response="utter_ask_ticket_number")
                return []
            ticket = page.items[0]
        else:
            try:
                ticket = await tickets.get_ticket_by_number(uow(), number)
            except NotFound:
                ticket = None
            if ticket is None or ticket.customer_id != customer_id:
                dispatcher.utter_message(response="utter_ticket_not_found", ticket_number=number)
                return [SlotSet("ticket_number", None)]
        status = str(ticket.status)
        if language(tracker) == "zh":
            status = _STATUS_ZH.get(status, status)
        dispatcher.utter_message(response="utter_ticket_status", ticket_number=ticket.number,
                                 status=status, subject=ticket.subject)
        return [SlotSet("ticket_number", ticket.number)]


class ActionAccountUpdate(VerifiedAction):
    """Account changes go to staff as a ticket (identity changes need a human check)."""

    def name(self) -> str:
        """For account_update."""
        return "action_account_update"

    async def run_verified(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict, customer_id: int) -> list[EventType]:
        """Open an account-update ticket with the customer's words."""
        from crm_core.services import tickets

        services = await self.services()
        text = _last_customer_text(tracker)
        ticket = await tickets.create_ticket(
            services.uow(), services.sla_policy(),
            tickets.NewTicket(customer_id=customer_id, subject="Account update request",
                              category="account", description=text),
            actor="bot",
        )
        dispatcher.utter_message(response="utter_account_update", ticket_number=ticket.number)
        return []
