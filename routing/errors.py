"""Routing errors: carry the task and agent they concern, map to 404/409/422 over HTTP."""

from __future__ import annotations

from crm_core.errors import Conflict, NotFound, RuleViolation


class TaskNotFound(NotFound):
    """No queued, offered or assigned task with this id."""

    code = "routing_task_not_found"

    def __init__(self, task_id: str) -> None:
        super().__init__(f"no routing task {task_id}", details={"task_id": task_id})
        self.task_id = task_id


class OfferNotHeld(Conflict):
    """The agent does not hold this offer/assignment (expired, taken or never made)."""

    code = "offer_not_held"

    def __init__(self, task_id: str, agent_id: int) -> None:
        super().__init__(f"agent {agent_id} does not hold task {task_id}",
                         details={"task_id": task_id, "agent_id": agent_id})
        self.task_id = task_id
        self.agent_id = agent_id


class AgentUnavailable(RuleViolation):
    """The target agent is unknown, not available or has no free slot for this channel."""

    code = "agent_unavailable"

    def __init__(self, agent_id: int, reason: str) -> None:
        super().__init__(f"agent {agent_id} cannot take this task: {reason}",
                         details={"agent_id": agent_id, "reason": reason})
        self.agent_id = agent_id
