"""Who sees which customers: the rule, as plain data (applied by
``crm_core.services.access``).

An agent sees the customers of the conversations and tickets they hold: a conversation
assigned to them that is not closed, or an open ticket assigned to them. Unassigned
tickets are the shared work queue: every agent may read one and take it. Supervisors
and admins see every customer.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_core.domain.enums import AgentRole


@dataclass(frozen=True, slots=True)
class Viewer:
    """The agent a request acts for, as the access rule needs it."""

    agent_id: int
    role: AgentRole

    @property
    def sees_all(self) -> bool:
        """Supervisors and admins see every customer."""
        return self.role in (AgentRole.SUPERVISOR, AgentRole.ADMIN)

    @property
    def held_by(self) -> int | None:
        """The agent whose held customers bound a listing; None for no bound."""
        return None if self.sees_all else self.agent_id


@dataclass(frozen=True, slots=True)
class AgentStanding:
    """What checking a token needs to know of its agent (one indexed row, no joins)."""

    agent_id: int
    role: AgentRole
    active: bool
    token_version: int
