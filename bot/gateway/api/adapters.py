"""Stand-ins for CRM service functions the API needs and ``crm_core`` does not offer yet.

Each is written like a ``crm_core.services`` function (unit of work in, audit entry, commit)
so that moving it there is a cut and paste; the views call it through this module only.
"""

from __future__ import annotations

from typing import Any

from crm_core.domain import AgentRole, Presence
from crm_core.errors import AgentNotFound, InvalidInput, ProductNotFound, RuleViolation
from crm_core.models import Agent, AgentSkill, Product
from crm_core.services import agents, audit
from crm_core.unit_of_work import UnitOfWork

_PRODUCT_FIELDS = ("name", "description", "category", "price", "stock", "rebuyable", "active")
# Columns that may not be set to null.
_REQUIRED = {"name", "price", "stock", "rebuyable", "active"}


async def update_product(uow: UnitOfWork, product_id: int, changes: dict[str, Any], *,
                         actor: str) -> Product:
    """Apply ``changes`` to a product; ``ProductNotFound`` if none; audited."""
    unknown = set(changes) - set(_PRODUCT_FIELDS)
    nulls = sorted(k for k in changes if k in _REQUIRED and changes[k] is None)
    if unknown or nulls:
        raise InvalidInput("These product fields cannot be set this way.",
                           details={k: "may not be null" for k in nulls}
                           | {k: "unknown field" for k in sorted(unknown)})
    async with uow:
        product = await uow.products.get(product_id)
        if product is None:
            raise ProductNotFound(product_id)
        changed = {}
        for name, value in changes.items():
            if getattr(product, name) != value:
                setattr(product, name, value)
                changed[name] = str(value)
        if changed:
            audit.record(uow, actor, "product.update", "product", product_id, changed)
            await uow.commit()
    return product


_AGENT_FIELDS = ("name", "role", "password", "languages", "capacity", "skills", "active",
                 "team")
# Fields a patch may set to null (clearing them).
_NULLABLE_AGENT_FIELDS = ("team",)


async def update_agent(uow: UnitOfWork, agent_id: int, changes: dict[str, Any], *, actor: str,
                       acting_agent_id: int) -> Agent:
    """Apply ``changes`` to an agent (password re-hashed, skills replaced); audited without
    the password. An agent cannot demote or disable themselves (``RuleViolation``)."""
    nulls = sorted(k for k, v in changes.items() if v is None and k not in _NULLABLE_AGENT_FIELDS)
    unknown = sorted(set(changes) - set(_AGENT_FIELDS))
    if nulls or unknown:
        raise InvalidInput("These agent fields cannot be set this way.",
                           details={k: "may not be null" for k in nulls}
                           | {k: "unknown field" for k in unknown})
    if agent_id == acting_agent_id and (
            changes.get("active") is False
            or changes.get("role", AgentRole.ADMIN) != AgentRole.ADMIN):
        exc = RuleViolation("You cannot demote or disable your own account.",
                            details={"agent_id": agent_id})
        exc.code = "self_lockout"
        raise exc
    async with uow:
        agent = await uow.agents.get(agent_id)
        if agent is None:
            raise AgentNotFound(agent_id)
        logged: dict[str, Any] = {}
        for name, value in changes.items():
            if name == "password":
                agent.password_hash = agents.hash_password(value)
                logged["password"] = "changed"
            elif name == "skills":
                agent.skills.clear()
                await uow.flush()
                agent.skills.extend(AgentSkill(skill=s, level=lv) for s, lv in value.items())
                logged["skills"] = value
            else:
                setattr(agent, name, value)
                logged[name] = str(value) if name in ("role",) else value
        if changes.get("active") is False:
            agent.presence = Presence.OFFLINE
        audit.record(uow, actor, "agent.update", "agent", agent_id, logged)
        await uow.commit()
    return agent
