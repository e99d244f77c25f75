"""The console's application service: what an agent or supervisor can do, in one place.

Views (HTTP and WebSocket) parse input and call one method here; this class talks to the
router (queue), the live-chat hub (the customer's web chat) and the CRM services (tickets,
conversations, CSAT, audit log). Every agent view of customer data is audited.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bot.gateway.console.recommendations import recommendations_panel
from crm_core.domain.enums import AgentRole, MessageRole, TicketStatus
from crm_core.errors import InvalidInput, KefuError, NotFound, OutOfScope
from crm_core.unit_of_work import UnitOfWork
from routing.errors import OfferNotHeld
from routing.events import EventKind, RoutingEvent
from routing.live import LiveChatHub, LiveEvent, LiveKind, LiveSession
from routing.model import AgentProfile, Presence, TaskState, channel_kind
from routing.priority import score_breakdown
from routing.router import Router

log = logging.getLogger(__name__)
MAX_TEXT = 4000


def profile_from_agent(agent: Any) -> AgentProfile:
    """Routing profile of a CRM agent (capacity keys may be channels or kinds)."""
    capacity: dict[str, int] = {}
    for key, value in (agent.capacity or {}).items():
        kind = channel_kind(str(key)).value if key not in ("chat", "voice", "email") else key
        capacity[kind] = max(capacity.get(kind, 0), int(value))
    if not capacity:
        capacity = {"chat": 3, "voice": 1, "email": 5}
    return AgentProfile(agent.id, name=agent.name,
                        languages=frozenset(agent.languages or ["en"]),
                        skills={s.skill: int(s.level) for s in agent.skills},
                        capacity=capacity)


def task_json(state: TaskState, now: float, router: Router) -> dict[str, Any]:
    """A task as the console shows it (with its priority breakdown)."""
    task = state.task
    parts = score_breakdown(task, now, router.config.priority)
    return {"task_id": task.task_id, "status": state.status.value, "agent_id": state.agent_id,
            "channel": task.channel, "language": task.language, "topic": task.topic,
            "tier": task.tier, "sentiment": task.sentiment, "reason": task.reason,
            "conversation_id": task.conversation_id, "customer_id": task.customer_id,
            "sender_id": task.sender_id, "ticket_id": task.ticket_id,
            "waited_seconds": round(now - task.enqueued_at, 1),
            "customer_gone": task.gone(now, router.config.customer_gone_seconds),
            "sla_due_in_seconds": None if task.sla_due_at is None
            else round(task.sla_due_at - now, 1),
            "priority": round(parts.total, 1),
            "offer_expires_in": None if state.offer_expires_at is None
            else round(state.offer_expires_at - now, 1)}


class ConsoleService:
    """Agent and supervisor actions (see module docstring)."""

    def __init__(self, router: Router, hub: LiveChatHub, uow: Callable[[], UnitOfWork],
                 sla_policy: Callable[[], Any] | None = None, *,
                 recommender: Callable[[], Any] | None = None) -> None:
        self.router, self.hub, self._uow = router, hub, uow
        self._sla_policy = sla_policy
        # The app's RecommendationService (None when the server runs without one).
        self._recommender = recommender or (lambda: None)
        self._names: dict[int, str] = {}
        router.events.subscribe(self._on_routing_event)

    # --- presence -------------------------------------------------------------------------
    async def load_roster(self, page_size: int = 100) -> int:
        """Make every active CRM agent known to the queue (offline until they sign in), so
        the supervisor view lists the whole team. Returns how many were loaded."""
        from crm_core.services import agents

        loaded = 0
        while True:
            page = await agents.list_agents(self._uow(), active=True, limit=page_size,
                                            offset=loaded)
            for agent in page.items:
                self._names[agent.id] = agent.name
                await self.router.register_agent(profile_from_agent(agent))
            loaded += len(page.items)
            if len(page.items) < page_size:
                return loaded

    async def sign_in(self, agent_id: int) -> dict[str, Any]:
        """Load the agent's skills from the CRM into the queue and make them available."""
        from crm_core.services import agents

        agent = await agents.get_agent(self._uow(), agent_id)
        profile = profile_from_agent(agent)
        self._names[agent_id] = agent.name
        await self.router.register_agent(profile, Presence.AVAILABLE)
        await self._crm_presence(agent_id, Presence.AVAILABLE)
        return {"agent_id": agent_id, "name": agent.name, "role": str(agent.role),
                "languages": sorted(profile.languages), "skills": profile.skills,
                "capacity": profile.capacity}

    async def set_presence(self, agent_id: int, presence: str) -> list[str]:
        """available / away / busy / offline; going offline requeues the agent's tasks."""
        try:
            value = Presence(presence)
        except ValueError as exc:
            raise InvalidInput(f"unknown presence {presence!r}", details={
                "field": "presence", "allowed": [p.value for p in Presence]}) from exc
        if value is Presence.OFFLINE:
            for session in self.hub.sessions_of(agent_id):
                self.hub.drop(session.sender_id)
        requeued = await self.router.set_presence(agent_id, value)
        await self._crm_presence(agent_id, value)
        await self.router.dispatch()
        return requeued

    async def _crm_presence(self, agent_id: int, presence: Presence) -> None:
        from crm_core.domain.enums import Presence as CrmPresence
        from crm_core.services import agents

        try:
            await agents.set_presence(self._uow(), agent_id, CrmPresence(presence.value))
        except KefuError as exc:
            log.warning("presence of agent %s not stored: %s", agent_id, exc.message)

    # --- offers ---------------------------------------------------------------------------
    async def accept(self, agent_id: int, task_id: str) -> dict[str, Any]:
        """Take an offered conversation: CRM assignment, ticket opened, customer told."""
        from crm_core.services import conversations, tickets

        state = await self.router.accept(task_id, agent_id)
        task = state.task
        actor = f"agent:{agent_id}"
        if task.conversation_id:
            await self._quietly(conversations.assign_agent(
                self._uow(), task.conversation_id, agent_id, actor=actor))
        if task.ticket_id:
            await self._quietly(tickets.assign_ticket(self._uow(), task.ticket_id, agent_id,
                                                      actor=actor))
        if task.sender_id:
            self.hub.open(LiveSession(task.sender_id, task.conversation_id, task_id, agent_id,
                                      self._names.get(agent_id, "An agent")))
        return task_json(state, self.router.clock(), self.router)

    async def decline(self, agent_id: int, task_id: str) -> None:
        """Refuse an offer: it goes to another agent."""
        await self.router.decline(task_id, agent_id)
        await self.router.dispatch()

    # --- the conversation -----------------------------------------------------------------
    async def _held(self, agent_id: int, task_id: str) -> TaskState:
        state = await self.router.store.get(task_id)
        if state is None or state.agent_id != agent_id:
            raise OfferNotHeld(task_id, agent_id)
        return state

    async def send(self, agent_id: int, task_id: str, text: str) -> dict[str, Any]:
        """An agent's message to the customer (stored in the conversation)."""
        from crm_core.services import conversations

        text = _text(text)
        state = await self._held(agent_id, task_id)
        task = state.task
        if task.sender_id:
            try:
                await self.hub.post_agent_message(task.sender_id, agent_id, text)
            except LookupError as exc:
                raise OfferNotHeld(task_id, agent_id) from exc
        if task.conversation_id:
            await self._quietly(conversations.append_message(
                self._uow(), task.conversation_id, MessageRole.AGENT, text))
        return {"task_id": task_id, "text": text, "at": time.time()}

    async def note(self, agent_id: int, task_id: str, text: str) -> dict[str, Any]:
        """An internal note on the conversation's ticket (never shown to the customer)."""
        from crm_core.services import tickets

        text = _text(text)
        state = await self._held(agent_id, task_id)
        if not state.task.ticket_id:
            raise NotFound("this conversation has no ticket to note on",
                           details={"task_id": task_id})
        comment = await tickets.add_comment(self._uow(), state.task.ticket_id, text,
                                            actor=f"agent:{agent_id}", public=False,
                                            author_agent_id=agent_id)
        return {"task_id": task_id, "note_id": comment.id, "text": text}

    async def resolve(self, agent_id: int, task_id: str) -> dict[str, Any]:
        """Done: free the slot, close the conversation, solve the ticket, ask for CSAT."""
        from crm_core.services import conversations, tickets

        state = await self._held(agent_id, task_id)
        task = state.task
        await self.router.complete(task_id, agent_id)
        actor = f"agent:{agent_id}"
        if task.ticket_id:
            await self._quietly(tickets.change_status(self._uow(), task.ticket_id,
                                                      TicketStatus.SOLVED, actor=actor))
        if task.conversation_id:
            await self._quietly(conversations.close_conversation(
                self._uow(), task.conversation_id, actor=actor))
        if task.sender_id:
            self.hub.close(task.sender_id)
        await self.router.dispatch()
        return {"task_id": task_id, "resolved": True}

    async def transfer(self, agent_id: int, task_id: str, *, to_agent: int | None = None,
                       topic: str | None = None) -> dict[str, Any]:
        """To another agent (a new offer) or back to the queue (optionally another topic)."""
        state = await self._held(agent_id, task_id)
        if to_agent is not None:
            offer = await self.router.transfer_to_agent(task_id, agent_id, to_agent)
            result: dict[str, Any] = {"task_id": task_id, "to_agent": offer.agent_id}
        else:
            position = await self.router.transfer_to_queue(task_id, agent_id, topic=topic)
            result = {"task_id": task_id, "to": "queue", "position": position.position}
        if state.task.sender_id:  # the next agent's accept opens a new live session
            self.hub.drop(state.task.sender_id)
        await self.router.dispatch()
        return result

    # --- what agents see ------------------------------------------------------------------
    async def my_tasks(self, agent_id: int) -> list[dict[str, Any]]:
        """Offers and conversations this agent holds."""
        now = self.router.clock()
        return [task_json(t, now, self.router) for t in await self.router.store.tasks()
                if t.agent_id == agent_id]

    async def queue(self) -> dict[str, Any]:
        """The waiting queue in serving order, and the supervisor figures."""
        snap = await self.router.snapshot()
        now = snap.now
        agents = [{"agent_id": a.agent_id, "name": a.profile.name, "presence": a.presence.value,
                   "load": a.load, "capacity": a.profile.capacity,
                   "utilisation": round(a.utilisation(), 2)} for a in snap.agents]
        return {"waiting": [task_json(t, now, self.router) for t in snap.waiting],
                "offered": len(snap.offered), "assigned": len(snap.assigned),
                "queue_length": len(snap.waiting),
                "longest_wait_seconds": round(snap.longest_wait(), 1),
                "sla_breaches": [t.task_id for t in snap.sla_breaches], "agents": agents}

    async def customer_360(self, agent_id: int, role: AgentRole,
                           customer_id: int) -> dict[str, Any]:
        """Profile, orders, tickets, earlier conversations and sentiment trend, analytics
        (segment, value, churn risk and why) and recommendations with explanations
        (audited: one ``customer.view`` entry for the whole panel)."""
        from crm_core.domain.access import Viewer
        from crm_core.services import access, audit, customers

        # The REST API's rule (crm_core.services.access), plus the offers and chats the
        # agent holds in the queue right now (not yet, or never, in the CRM).
        viewer = Viewer(agent_id, role)
        if not (await self._serves(agent_id, customer_id)
                or await access.may_see_customer(self._uow(), viewer, customer_id)):
            raise OutOfScope("customer", customer_id)
        view = await customers.customer_360(self._uow(), customer_id)
        uow = self._uow()
        async with uow:
            history = await uow.conversations.list(customer_id=customer_id, limit=10)
            trend = []
            for conv in history.items:
                page = await uow.conversations.messages(conv.id, limit=200)
                scores = [m.sentiment for m in page.items if m.sentiment is not None]
                trend.append({"conversation_id": conv.id, "started_at": conv.started_at.isoformat(),
                              "channel": str(conv.channel), "status": str(conv.status),
                              "mean_sentiment": round(sum(scores) / len(scores), 3)
                              if scores else None, "messages": len(page.items)})
            audit.record(uow, f"agent:{agent_id}", "customer.view", "customer", customer_id,
                         {"panel": "customer_360",
                          "sections": ["profile", "orders", "tickets", "conversations",
                                       "insight", "recommendations"]})
            await uow.commit()
        insight = await self._insight(customer_id)
        c = view.customer
        return {
            "insight": insight,
            "recommendations": await recommendations_panel(self._recommender(), customer_id),
            "customer": {"id": c.id, "name": c.name, "email": c.email, "phone": c.phone,
                         "country": c.country, "tier": str(c.tier),
                         "preferred_language": c.preferred_language},
            "orders": [{"number": o.number, "status": str(o.status), "total": str(o.total),
                        "currency": o.currency, "placed_at": o.placed_at.isoformat()}
                       for o in view.recent_orders],
            "tickets": [{"id": t.id, "number": t.number, "subject": t.subject,
                         "status": str(t.status), "priority": str(t.priority)}
                        for t in view.open_tickets],
            "conversations": trend,
        }

    async def _insight(self, customer_id: int) -> dict[str, Any] | None:
        """Segment, value and churn risk from crm_core.analytics (None when unavailable)."""
        try:
            from crm_core.analytics.insight import customer_insight

            found = await customer_insight(self._uow(), customer_id)
        except Exception:  # noqa: BLE001 - the panel works without analytics
            log.info("no analytics for customer %s", customer_id, exc_info=True)
            return None
        from crm_core.analytics.insight import segment_why, value_why

        return {"segment": found.segment, "rfm": found.rfm, "clv_12m": found.clv_12m,
                "clv_historical": found.clv_historical,
                "churn_risk": found.churn_risk, "churn_reasons": found.churn_reasons,
                "priority": found.priority, "segment_why": segment_why(found),
                "value_why": value_why(found),
                "computed_at": found.computed_at.isoformat() if found.computed_at else None}

    async def transcript(self, agent_id: int, task_id: str) -> list[dict[str, Any]]:
        """The conversation so far (bot and customer turns before the handoff included);
        the view is audited like the customer 360 panel."""
        from crm_core.services import audit, conversations

        state = await self._held(agent_id, task_id)
        conversation_id = state.task.conversation_id
        if not conversation_id:
            return []
        page = await conversations.list_messages(self._uow(), conversation_id)
        uow = self._uow()
        async with uow:
            audit.record(uow, f"agent:{agent_id}", "conversation.view", "conversation",
                         conversation_id, {"panel": "transcript"})
            await uow.commit()
        return [{"role": str(m.role), "text": m.text, "at": m.created_at.isoformat(),
                 "sentiment": m.sentiment} for m in page.items]

    async def _serves(self, agent_id: int, customer_id: int) -> bool:
        return any(t.agent_id == agent_id and t.task.customer_id == customer_id
                   for t in await self.router.store.tasks())

    # --- routing events -> consoles and customers -----------------------------------------
    async def _on_routing_event(self, event: RoutingEvent) -> None:
        data = {"event": event.kind.value, "task_id": event.task_id, **event.data}
        if event.kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACHED):
            # Every console hears it (supervisors act on it); a breach also escalates the
            # conversation's ticket to urgent so its own SLA clock tightens.
            self.hub.to_all_agents(LiveEvent(LiveKind.ROUTING, data=data))
            if event.kind is EventKind.SLA_BREACHED:
                await self._escalate(event.data.get("ticket_id"))
            return
        if event.kind is EventKind.CUSTOMER_GONE:
            await self._note_gone(event.data.get("ticket_id"), event.data.get("waited_seconds"))
        if event.agent_id is not None and event.kind in (
                EventKind.OFFERED, EventKind.EXPIRED, EventKind.DECLINED, EventKind.REQUEUED,
                EventKind.TRANSFERRED, EventKind.ASSIGNED):
            if event.kind is EventKind.OFFERED:
                state = await self.router.store.get(event.task_id)
                if state is not None:
                    data["task"] = task_json(state, self.router.clock(), self.router)
            self.hub.to_agent(event.agent_id, LiveEvent(LiveKind.ROUTING, data=data))
        self.hub.to_all_agents(LiveEvent(LiveKind.ROUTING, data={"event": "queue_changed"}))
        if event.kind in (EventKind.QUEUED, EventKind.OFFERED, EventKind.FINISHED,
                          EventKind.EXPIRED, EventKind.DECLINED, EventKind.REQUEUED):
            await self._tell_positions()

    async def _escalate(self, ticket_id: int | None) -> None:
        from crm_core.domain.enums import Priority
        from crm_core.services import tickets

        if ticket_id and self._sla_policy is not None:
            await self._quietly(tickets.set_priority(
                self._uow(), self._sla_policy(), ticket_id, Priority.URGENT, actor="system"))

    async def _note_gone(self, ticket_id: int | None, waited: float | None) -> None:
        """The customer left before anyone was free: the ticket says so, and carries on."""
        from crm_core.services import tickets

        if ticket_id:
            minutes = round((waited or 0) / 60)
            await self._quietly(tickets.add_comment(
                self._uow(), ticket_id,
                f"The customer left the chat after waiting {minutes} min, before a colleague "
                "was free. This ticket carries on by email; if they come back to the chat "
                "they are offered live again.", actor="system", author_type="system"))

    async def _tell_positions(self) -> None:
        """Every waiting customer hears their (possibly changed) position and wait."""
        positions = await self.router.positions()
        for state in await self.router.store.waiting():
            position = positions.get(state.task_id)
            if position is not None and state.task.sender_id:
                self.hub.to_customer(state.task.sender_id, LiveEvent(
                    LiveKind.QUEUED, state.task.sender_id, state.task.conversation_id,
                    data={"position": position.position,
                          "estimated_wait_seconds": position.estimated_wait_seconds}))

    async def _quietly(self, call: Any) -> Any:
        """Run a CRM update whose failure must not undo the routing step (logged)."""
        try:
            return await call
        except KefuError as exc:
            log.warning("console CRM update skipped: %s %s", exc.code, exc.message)
            return None


def _text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text must be a non-empty string", details={"field": "text"})
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"text is longer than {MAX_TEXT} characters",
                           details={"field": "text", "max": MAX_TEXT})
    return text.strip()
