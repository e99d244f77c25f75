"""Deterministic agents, tickets with comments, conversations with messages, and CSAT.

Priorities and SLA due times come from the real policy (``config/policies.yml``) through
the same domain rules the services use.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from crm_core.demo import names
from crm_core.demo.commerce import Commerce
from crm_core.domain import rules
from crm_core.domain.enums import (
    AgentRole,
    Channel,
    ConversationStatus,
    MessageRole,
    OrderStatus,
    Presence,
    TicketStatus,
)
from crm_core.domain.policy import SlaPolicy
from crm_core.services.tickets import ticket_number

Row = dict[str, Any]
SKILLS = ("orders", "returns", "billing", "delivery", "technical", "product", "vip")

# (category, skill-ish intent, English subject, Chinese subject) by order state.
_TOPICS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "early": (("cancel", "cancel_order", "Please cancel my order", "请取消我的订单"),
              ("address_change", "change_address", "Wrong delivery address", "收货地址填错了"),
              ("payment", "payment_issue", "I was charged twice", "被重复扣款了")),
    "shipped": (("order_status", "order_status", "Where is my parcel?", "我的包裹到哪里了？"),
                ("delivery_missing", "delivery_issue", "Tracking has not moved for days",
                 "物流好几天没有更新")),
    "delivered": (("return", "return_request", "I would like to return an item", "我想退货"),
                  ("product_question", "product_question", "How do I use this?",
                   "这个产品怎么用？"),
                  ("delivery_missing", "delivery_issue", "Parcel marked delivered but not here",
                   "显示已签收但我没收到")),
    "none": (("account", "account_help", "I cannot log in to my account", "我登录不了账户"),),
}
_AGENT_REPLY = ("Thanks for reaching out, I am looking into it now.",
                "感谢您的耐心，我正在为您处理。")
_SOLVED_REPLY = ("This is sorted now; let us know if anything else comes up.",
                 "问题已经解决，如有其他问题请随时联系我们。")


@dataclass
class Support:
    """Rows for bulk insert, plus the plain-text agent passwords (never stored)."""

    agents: list[Row] = field(default_factory=list)
    agent_skills: list[Row] = field(default_factory=list)
    tickets: list[Row] = field(default_factory=list)
    ticket_comments: list[Row] = field(default_factory=list)
    conversations: list[Row] = field(default_factory=list)
    messages: list[Row] = field(default_factory=list)
    csat_ratings: list[Row] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)


def make_agents(rng: np.random.Generator, count: int, hash_password: Any,
                out: Support) -> None:
    """One admin, a few supervisors, the rest agents; about a third speak Chinese.
    Passwords are random from ``secrets`` (not the seed), so the seed reveals nothing."""
    for i in range(count):
        zh = i % 3 == 1
        if zh:
            sur, sur_py = names.ZH_SURNAMES[int(rng.integers(len(names.ZH_SURNAMES)))]
            giv, giv_py = names.ZH_GIVEN[int(rng.integers(len(names.ZH_GIVEN)))]
            name, local = sur + giv, f"{giv_py}.{sur_py}"
        else:
            first = names.EN_AGENT_FIRST[int(rng.integers(len(names.EN_AGENT_FIRST)))]
            last = names.EN_LAST[int(rng.integers(len(names.EN_LAST)))]
            name, local = f"{first} {last}", f"{first}.{last}".lower().replace("'", "")
        role = AgentRole.ADMIN if i == 0 else (AgentRole.SUPERVISOR if i <= 3 else
                                               AgentRole.AGENT)
        email = "admin@kefu.example.com" if i == 0 else f"{local}{i}@kefu.example.com"
        password = secrets.token_urlsafe(12)
        out.passwords[email] = password
        web = int(rng.integers(2, 5))
        out.agents.append({
            "id": i + 1, "email": email, "name": name, "role": role,
            "password_hash": hash_password(password),
            "languages": ["zh", "en"] if zh else ["en"],
            "capacity": {"web": web, "socketio": web, "rest": web, "voice": 1,
                         "email": int(rng.integers(4, 9))},
            "presence": Presence.OFFLINE, "active": True,
        })
        for skill in rng.choice(len(SKILLS), size=int(rng.integers(2, 5)), replace=False):
            out.agent_skills.append({"agent_id": i + 1, "skill": SKILLS[int(skill)],
                                     "level": int(rng.integers(1, 6))})


def _stage(order: Row | None) -> str:
    if order is None:
        return "none"
    if order["status"] in (OrderStatus.PENDING, OrderStatus.PAID):
        return "early"
    return "shipped" if order["status"] is OrderStatus.SHIPPED else "delivered"


def make_tickets(rng: np.random.Generator, commerce: Commerce, policy: SlaPolicy,
                 now: datetime, count: int, out: Support) -> None:
    """Tickets about real orders (and some without), each with a conversation, messages,
    comments, and for closed ones often a CSAT rating."""
    customers = {c["id"]: c for c in commerce.customers}
    zh_agents = [a["id"] for a in out.agents if "zh" in a["languages"]]
    all_agents = [a["id"] for a in out.agents]
    picks = rng.choice(len(commerce.orders), size=count, replace=False)
    for k, idx in enumerate(picks):
        order = commerce.orders[int(idx)] if k % 10 else None
        customer = customers[order["customer_id"] if order else int(rng.integers(
            1, len(customers) + 1))]
        zh = customer["preferred_language"] == "zh"
        category, intent, subject_en, subject_zh = _TOPICS[_stage(order)][int(rng.integers(
            len(_TOPICS[_stage(order)])))]
        base = order["placed_at"] if order else customer["created_at"]
        created = min(now - timedelta(minutes=5),
                      base + timedelta(hours=float(rng.uniform(1, 96))))
        _one_ticket(rng, policy, now, created, customer, order, category, intent,
                    subject_zh if zh else subject_en, zh,
                    zh_agents if zh else all_agents, out)


def _one_ticket(rng: np.random.Generator, policy: SlaPolicy, now: datetime, created: datetime,
                customer: Row, order: Row | None, category: str, intent: str, subject: str,
                zh: bool, agent_pool: list[int], out: Support) -> None:
    priority = rules.choose_priority(policy, None, category, customer["tier"])
    first_due, resolution_due = rules.sla_due_times(policy, priority, created)
    age = now - created
    if age > timedelta(days=14):
        status = TicketStatus.CLOSED if rng.random() < 0.7 else TicketStatus.SOLVED
    else:
        status = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING,
                  TicketStatus.ON_HOLD, TicketStatus.SOLVED)[int(rng.choice(
                      5, p=(0.25, 0.3, 0.2, 0.05, 0.2)))]
    target = first_due - created
    responded = None if status is TicketStatus.NEW else min(
        now, created + target * float(rng.gamma(2.0, 0.4)))
    solved = None
    if status in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        solved = min(now, (responded or created) + (resolution_due - created) * float(
            rng.gamma(2.0, 0.3)))
    agent = None if status is TicketStatus.NEW else agent_pool[int(rng.integers(
        len(agent_pool)))]
    channel = (Channel.WEB, Channel.SOCKETIO, Channel.VOICE, Channel.EMAIL)[int(rng.choice(
        4, p=(0.45, 0.2, 0.15, 0.2)))]
    conv_id = _conversation(rng, customer, channel, created, subject, intent, agent,
                            solved, zh, out)
    ticket_id = len(out.tickets) + 1
    out.tickets.append({
        "id": ticket_id, "number": ticket_number(ticket_id), "customer_id": customer["id"],
        "order_id": order["id"] if order else None, "conversation_id": conv_id,
        "subject": subject, "category": category, "priority": priority, "status": status,
        "channel": channel, "assignee_id": agent, "first_response_due": first_due,
        "resolution_due": resolution_due, "first_responded_at": responded,
        "solved_at": solved, "created_at": created, "updated_at": solved or responded or created,
    })
    comments = [("customer", None, subject, True, created)]
    if responded:
        comments.append(("agent", agent, _AGENT_REPLY[zh], True, responded))
        if rng.random() < 0.3:
            comments.append(("agent", agent, "Checked the order history; see audit log.",
                             False, responded + timedelta(minutes=3)))
    if solved:
        comments.append(("agent", agent, _SOLVED_REPLY[zh], True, solved))
    for author_type, author, body, public, at in comments:
        out.ticket_comments.append({
            "id": len(out.ticket_comments) + 1, "ticket_id": ticket_id,
            "author_type": author_type, "author_agent_id": author, "body": body,
            "public": public, "created_at": at})


def _conversation(rng: np.random.Generator, customer: Row, channel: Channel,
                  started: datetime, text: str, intent: str, agent: int | None,
                  ended: datetime | None, zh: bool, out: Support) -> int | None:
    """The chat that led to the ticket (email tickets have none): customer, bot, handoff."""
    if channel is Channel.EMAIL:
        return None
    conv_id = len(out.conversations) + 1
    status = ConversationStatus.CLOSED if ended else (
        ConversationStatus.WITH_AGENT if agent else ConversationStatus.QUEUED)
    out.conversations.append({
        "id": conv_id, "sender_id": f"{channel}-{customer['id']}-{conv_id}",
        "channel": channel, "customer_id": customer["id"], "agent_id": agent,
        "status": status, "language": "zh" if zh else "en",
        "handoff_reason": "needs a human" if agent else "queue", "started_at": started,
        "ended_at": ended})
    sentiment = float(np.clip(rng.normal(-0.3, 0.35), -1, 1))
    confidence = float(np.clip(rng.beta(8, 2), 0, 1))
    bot = "我帮您转接人工客服。" if zh else "Let me get a colleague to help you."
    for role, body, at, nlu in (
            (MessageRole.CUSTOMER, text, started, True),
            (MessageRole.BOT, bot, started + timedelta(seconds=2), False)):
        out.messages.append({
            "id": len(out.messages) + 1, "conversation_id": conv_id, "role": role,
            "text": body, "intent": intent if nlu else None,
            "confidence": confidence if nlu else None, "sentiment": sentiment if nlu else None,
            "created_at": at})
    if ended and rng.random() < 0.45:
        # Happier when solved fast; the analytics module should find that relation.
        hours = (ended - started).total_seconds() / 3600
        mean = 4.6 - min(2.5, hours / 24)
        score = int(np.clip(round(rng.normal(mean, 0.8)), 1, 5))
        out.csat_ratings.append({
            "id": len(out.csat_ratings) + 1, "conversation_id": conv_id, "ticket_id": None,
            "agent_id": agent, "score": score, "comment": None,
            "created_at": ended + timedelta(minutes=2)})
    return conv_id


def link_csat_tickets(out: Support) -> None:
    """Point each rating at the ticket of its conversation."""
    by_conv = {t["conversation_id"]: t["id"] for t in out.tickets if t["conversation_id"]}
    for rating in out.csat_ratings:
        rating["ticket_id"] = by_conv.get(rating["conversation_id"])
