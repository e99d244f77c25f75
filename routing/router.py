"""The router: the queue's behaviour on top of any ``QueueStore`` backend.

It enqueues tasks, plans offers with the configured policy, claims them atomically through
the backend, handles accept / decline / reservation timeout / transfer / presence changes,
and tells customers their position and estimated wait. Time comes from an injected clock
so the simulator and tests can drive it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from routing.config import RoutingConfig
from routing.errors import AgentUnavailable, OfferNotHeld, TaskNotFound
from routing.events import EventBus, EventKind, RoutingEvent
from routing.matching import seconds_until_fit, skill_fit
from routing.model import (
    AgentProfile, AgentState, Offer, Presence, QueuePosition, Task, TaskState, TaskStatus,
)
from routing.policy import order_tasks, plan
from routing.store import QueueStore, TransferResult

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """What the supervisor sees: queue by status, waits, agents and SLA breaches."""

    waiting: list[TaskState]
    offered: list[TaskState]
    assigned: list[TaskState]
    agents: list[AgentState]
    now: float

    @property
    def sla_breaches(self) -> list[TaskState]:
        """Waiting tasks past their first-response deadline."""
        return [t for t in self.waiting
                if t.task.sla_due_at is not None and t.task.sla_due_at < self.now]

    def longest_wait(self) -> float:
        """Seconds the longest-waiting customer has waited (0 when nobody waits)."""
        return max((self.now - t.task.enqueued_at for t in self.waiting), default=0.0)


class Router:
    """The queue service (see module docstring)."""

    def __init__(self, store: QueueStore, config: RoutingConfig, *,
                 clock: Callable[[], float] = time.time, events: EventBus | None = None) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.events = events or EventBus()
        # Which SLA level each waiting task was last told about (per worker, in memory).
        self._sla_seen: dict[str, EventKind] = {}
        self._gone_seen: set[str] = set()  # waiting tasks already reported as gone
        # Agents this worker made known, with their last presence: put back when the store
        # forgot them (a Redis that restarted without persistence).
        self._roster: dict[int, tuple[AgentProfile, Presence]] = {}

    # --- agents ----------------------------------------------------------------------
    async def register_agent(self, profile: AgentProfile,
                             presence: Presence | None = None) -> None:
        """Make an agent known (skills, languages, capacity), optionally setting presence."""
        await self.store.put_agent(profile)
        known = self._roster.get(profile.agent_id)
        self._roster[profile.agent_id] = (profile, known[1] if known else Presence.OFFLINE)
        if presence is not None:
            await self.set_presence(profile.agent_id, presence)

    async def set_presence(self, agent_id: int, presence: Presence) -> list[str]:
        """Change presence; going offline puts the agent's tasks back in the queue."""
        now = self.clock()
        if agent_id in self._roster:
            self._roster[agent_id] = (self._roster[agent_id][0], presence)
        held = await self.store.set_presence(agent_id, presence, now)
        requeued: list[str] = []
        if presence is Presence.OFFLINE:
            for task_id in held:
                if await self.store.release(task_id, agent_id, now):
                    requeued.append(task_id)
                    await self.events.publish(RoutingEvent(EventKind.REQUEUED, task_id, agent_id,
                                                           {"reason": "agent_offline"}))
        return requeued

    # --- customers ---------------------------------------------------------------------
    async def enqueue(self, task: Task) -> QueuePosition:
        """Queue a customer (stamping enqueue time and SLA due time) and report position."""
        task = await self.submit(task)
        return await self.position(task.task_id)

    async def submit(self, task: Task) -> Task:
        """Queue a customer without computing positions; returns the stamped task."""
        now = self.clock()
        if task.enqueued_at <= 0:
            task = replace(task, enqueued_at=now)
        if task.sla_due_at is None:
            task = replace(task, sla_due_at=task.enqueued_at
                           + self.config.first_response_target(task.tier))
        if await self.store.add_task(task):
            await self.events.publish(RoutingEvent(EventKind.QUEUED, task.task_id))
        return task

    async def cancel(self, task_id: str) -> TaskState | None:
        """The customer left: drop the task wherever it is."""
        state = await self.store.finish(task_id, self.clock())
        if state is not None:
            await self.events.publish(RoutingEvent(EventKind.FINISHED, task_id, state.agent_id,
                                                   {"reason": "cancelled"}))
        return state

    async def seen(self, sender_ids: Iterable[str]) -> list[str]:
        """These customers are still there (they wrote, or their chat socket is open): stamp
        their waiting tasks; returns the tasks of customers who had been gone."""
        now, senders, back = self.clock(), set(sender_ids), []
        gone_after = self.config.customer_gone_seconds
        for state in await self.store.waiting():
            task = state.task
            if task.sender_id not in senders:
                continue
            await self.store.update_task(replace(task, seen_at=now))
            if task.gone(now, gone_after):
                back.append(task.task_id)
                self._gone_seen.discard(task.task_id)
                await self.events.publish(RoutingEvent(EventKind.CUSTOMER_BACK, task.task_id))
        return back

    async def watch_gone(self) -> list[str]:
        """Report once each waiting chat customer who left (see ``Task.gone``)."""
        now, gone_after = self.clock(), self.config.customer_gone_seconds
        waiting = await self.store.waiting()
        self._gone_seen &= {t.task_id for t in waiting}
        gone = [t.task for t in waiting
                if t.task.gone(now, gone_after) and t.task_id not in self._gone_seen]
        for task in gone:
            self._gone_seen.add(task.task_id)
            await self.events.publish(RoutingEvent(EventKind.CUSTOMER_GONE, task.task_id, None, {
                "ticket_id": task.ticket_id, "sender_id": task.sender_id,
                "waited_seconds": round(now - task.enqueued_at, 1)}))
        return [t.task_id for t in gone]

    # --- the routing loop ----------------------------------------------------------------
    async def dispatch(self) -> list[Offer]:
        """Plan offers for waiting tasks and claim each atomically; returns the offers made."""
        now = self.clock()
        gone_after = self.config.customer_gone_seconds
        tasks = [t for t in await self.store.waiting() if not t.task.gone(now, gone_after)]
        agents = await self.store.agents()
        by_id = {t.task_id: t for t in tasks}
        decisions = plan(tasks, agents, now, self.config)
        # Priority work may have a shorter reservation: one claim batch per timeout.
        batches: dict[float, list[tuple[str, int]]] = {}
        for d in decisions:
            expires = now + self.config.offer_timeout_for(by_id[d.task_id].task)
            batches.setdefault(expires, []).append((d.task_id, d.agent_id))
        offers: list[Offer] = []
        for expires, pairs in batches.items():
            # Another worker may have claimed a task or filled an agent meanwhile: its atomic
            # claim refuses, and the next dispatch round plans again.
            won = await self.store.claim_many(pairs, expires, now)
            offers += [Offer(by_id[task_id].task, agent_id, expires)
                       for (task_id, agent_id), ok in zip(pairs, won, strict=True) if ok]
        for offer in offers:
            await self.events.publish(RoutingEvent(
                EventKind.OFFERED, offer.task.task_id, offer.agent_id,
                {"expires_at": offer.expires_at}))
        return offers

    async def expire_offers(self) -> list[str]:
        """Return unanswered offers to the queue (the agent will not get that task again)."""
        now = self.clock()
        expired: list[str] = []
        for task_id, agent_id in await self.store.due_offers(now):
            if await self.store.release(task_id, agent_id, now, decline=True,
                                        only_if_expired=True):
                expired.append(task_id)
                await self.events.publish(RoutingEvent(EventKind.EXPIRED, task_id, agent_id))
        return expired

    async def tick(self) -> list[Offer]:
        """One round of the background loop: expire stale offers, watch SLAs, dispatch."""
        await self.expire_offers()
        await self.watch_sla()
        await self.watch_gone()
        return await self.dispatch()

    async def watch_sla(self) -> list[RoutingEvent]:
        """Warn once when a waiting task's first-response deadline comes within the warning
        window, and escalate once when it passes (events for consoles and the CRM)."""
        now = self.clock()
        window = self.config.priority.sla_warning_seconds
        raised: list[RoutingEvent] = []
        waiting = await self.store.waiting()
        live = {t.task_id for t in waiting}
        self._sla_seen = {k: v for k, v in self._sla_seen.items() if k in live}
        for state in waiting:
            due = state.task.sla_due_at
            if due is None:
                continue
            level = (EventKind.SLA_BREACHED if now >= due
                     else EventKind.SLA_WARNING if now >= due - window else None)
            if level is None or self._sla_seen.get(state.task_id) in (level,
                                                                       EventKind.SLA_BREACHED):
                continue
            self._sla_seen[state.task_id] = level
            event = RoutingEvent(level, state.task_id, None, {
                "due_in_seconds": round(due - now, 1), "ticket_id": state.task.ticket_id,
                "tier": state.task.tier})
            raised.append(event)
            await self.events.publish(event)
        return raised

    async def run(self, interval: float = 1.0) -> None:
        """Tick forever (the app runs this as a background task); with several workers on
        Redis, one leads each round and the others skip it."""
        while True:
            try:
                await self.restore_roster()
                if await self.store.lead_round(interval * 0.9):
                    await self.tick()
            except Exception:  # noqa: BLE001 - keep routing alive; the error is logged
                log.exception("routing tick failed")
            await asyncio.sleep(interval)

    async def restore_roster(self) -> list[int]:
        """Put back the signed-in agents of this worker that the store no longer knows (a
        Redis restarted empty), with their last presence, so offers resume; returns them."""
        restored: list[int] = []
        for agent_id, (profile, presence) in list(self._roster.items()):
            if presence is Presence.OFFLINE or await self.store.agent(agent_id) is not None:
                continue
            await self.store.put_agent(profile)
            await self.store.set_presence(agent_id, presence, self.clock())
            restored.append(agent_id)
        if restored:
            log.warning("queue store had forgotten agents %s: registered again", restored)
        return restored

    # --- agent actions -----------------------------------------------------------------
    async def accept(self, task_id: str, agent_id: int) -> TaskState:
        """The agent accepts an offer it holds."""
        if not await self.store.accept(task_id, agent_id):
            await self._require(task_id)
            raise OfferNotHeld(task_id, agent_id)
        await self.events.publish(RoutingEvent(EventKind.ASSIGNED, task_id, agent_id))
        return await self._require(task_id)

    async def decline(self, task_id: str, agent_id: int) -> None:
        """The agent declines: back to the queue, offered to someone else next round; the
        agent gets no new offer for a while (``config.offer_backoff``), so a console that
        declines everything does not spin the queue."""
        now = self.clock()
        if not await self.store.release(task_id, agent_id, now, decline=True):
            await self._require(task_id)
            raise OfferNotHeld(task_id, agent_id)
        await self.store.note_refusal(agent_id, now)
        await self.events.publish(RoutingEvent(EventKind.DECLINED, task_id, agent_id))

    async def complete(self, task_id: str, agent_id: int | None = None) -> TaskState:
        """The conversation is resolved: free the agent's slot."""
        state = await self._require(task_id)
        if agent_id is not None and state.agent_id != agent_id:
            raise OfferNotHeld(task_id, agent_id)
        await self.store.finish(task_id, self.clock())
        await self.events.publish(RoutingEvent(EventKind.FINISHED, task_id, state.agent_id,
                                               {"reason": "resolved"}))
        return state

    async def transfer_to_queue(self, task_id: str, agent_id: int, *, topic: str | None = None,
                                language: str | None = None) -> QueuePosition:
        """Send a held task back to the queue, optionally for another topic or language."""
        state = await self._require(task_id)
        if state.agent_id != agent_id:
            raise OfferNotHeld(task_id, agent_id)
        changes = {k: v for k, v in (("topic", topic), ("language", language)) if v}
        if changes:
            await self.store.update_task(replace(state.task, **changes))
        if not await self.store.release(task_id, agent_id, self.clock(), decline=True):
            raise OfferNotHeld(task_id, agent_id)
        await self.events.publish(RoutingEvent(EventKind.TRANSFERRED, task_id, agent_id,
                                               {"to": "queue"}))
        return await self.position(task_id)

    async def transfer_to_agent(self, task_id: str, agent_id: int, to_agent: int) -> Offer:
        """Offer a held task directly to another available agent."""
        now = self.clock()
        state = await self._require(task_id)
        expires = now + self.config.offer_timeout_for(state.task)
        result = await self.store.transfer(task_id, agent_id, to_agent, expires, now)
        if result is TransferResult.NOT_HELD:
            raise OfferNotHeld(task_id, agent_id)
        if result is TransferResult.UNAVAILABLE:
            raise AgentUnavailable(to_agent, "not available or no free slot")
        state = await self._require(task_id)
        await self.events.publish(RoutingEvent(EventKind.TRANSFERRED, task_id, agent_id,
                                               {"to": "agent", "to_agent": to_agent}))
        await self.events.publish(RoutingEvent(EventKind.OFFERED, task_id, to_agent,
                                               {"expires_at": expires}))
        return Offer(state.task, to_agent, expires)

    # --- what customers and supervisors see ----------------------------------------------
    async def position(self, task_id: str) -> QueuePosition:
        """Place in line and estimated wait for one task."""
        positions = await self.positions()
        if task_id in positions:
            return positions[task_id]
        state = await self._require(task_id)
        return QueuePosition(task_id, 0, 0.0, state.status)

    async def positions(self) -> dict[str, QueuePosition]:
        """Place and estimated wait of every waiting task.

        The estimate is ``ahead_of_me * average_handle_time / capacity`` where capacity is
        the slots of available agents able to serve the task (a queue of ``n`` ahead empties
        roughly ``capacity`` at a time); zero when such an agent has a free slot now.
        """
        now = self.clock()
        tasks, agents = await self.store.tasks(), await self.store.agents()
        gone_after = self.config.customer_gone_seconds
        ordered = [t for t in order_tasks(tasks, now, self.config)
                   if not t.task.gone(now, gone_after)]
        result: dict[str, QueuePosition] = {}
        available = [a for a in agents if a.presence is Presence.AVAILABLE]
        capacity: dict[tuple[str, str], tuple[int, int]] = {}
        for index, state in enumerate(ordered):
            task = state.task
            group = (task.language, task.kind)
            if group not in capacity:  # requirements fully relaxed: language and channel
                able = [a for a in available
                        if skill_fit(a, task, task.enqueued_at + 1e9, self.config.matching)]
                capacity[group] = (sum(a.profile.capacity.get(task.kind, 0) for a in able),
                                   sum(a.free(task.kind) for a in able))
            slots, free = capacity[group]
            aht = self.config.average_handle_seconds.get(task.kind, 300.0)
            wait = (index + 1) * aht / max(slots, 1)
            if free > index:  # a free agent: now, or once the requirements relax enough
                rules = (self.config.priority_matching() if self.config.is_priority_work(task)
                         else self.config.matching)
                fit = seconds_until_fit((a for a in available if a.free(task.kind) > 0),
                                        task, now, rules)
                wait = min(wait, fit) if fit is not None else wait
            result[state.task_id] = QueuePosition(state.task_id, index + 1, round(wait, 1))
        return result

    async def snapshot(self) -> QueueSnapshot:
        """The whole queue and every agent, for the supervisor view."""
        tasks = await self.store.tasks()
        now = self.clock()
        ordered = order_tasks(tasks, now, self.config)
        return QueueSnapshot(
            waiting=ordered,
            offered=[t for t in tasks if t.status is TaskStatus.OFFERED],
            assigned=[t for t in tasks if t.status is TaskStatus.ASSIGNED],
            agents=await self.store.agents(), now=now)

    async def _require(self, task_id: str) -> TaskState:
        state = await self.store.get(task_id)
        if state is None:
            raise TaskNotFound(task_id)
        return state
