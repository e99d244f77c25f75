"""Agents: creation with an argon2 password hash, authentication, skills, presence."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crm_core.domain import rules
from crm_core.domain.access import AgentStanding
from crm_core.domain.enums import AgentRole, Channel, Presence
from crm_core.errors import AgentNotFound, DuplicateKey, InvalidCredentials, InvalidInput
from crm_core.models import Agent, AgentSkill
from crm_core.repositories import Page
from crm_core.services import audit, checks, login_guard
from crm_core.services.checks import UNSET, Unset
from crm_core.services.login_guard import LoginPolicy
from crm_core.unit_of_work import UnitOfWork

MIN_PASSWORD_LENGTH = 10
# argon2-cffi's defaults (RFC 9106 low-memory profile); one hasher, reused.
_HASHER = PasswordHasher()
# Verifying against this when the email is unknown keeps the timing the same.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-just-timing")


@dataclass(frozen=True, slots=True)
class NewAgent:
    """An agent to create. ``skills`` maps skill -> level 1..5; ``capacity`` maps a channel
    to how many conversations at once."""

    email: str
    name: str
    password: str
    role: AgentRole = AgentRole.AGENT
    skills: dict[str, int] = field(default_factory=dict)
    languages: list[str] = field(default_factory=lambda: ["en"])
    capacity: dict[str, int] = field(default_factory=dict)
    team: str | None = None


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (CPU-bound: call it from a thread in async code)."""
    return _HASHER.hash(password)


async def _hash_in_thread(password: str) -> str:
    """argon2id takes tens of ms of CPU; run it off the event loop so chat keeps flowing."""
    return await asyncio.to_thread(_HASHER.hash, password)


def _check_skills(skills: dict[str, int]) -> None:
    for skill, level in skills.items():
        if not skill.strip() or len(skill) > 64 or not 1 <= int(level) <= 5:
            raise InvalidInput(f"skill {skill!r} needs a level from 1 to 5",
                               details={"field": "skills", "skill": skill, "level": level})


def _check_capacity(capacity: dict[str, Any]) -> dict[str, int]:
    out = {}
    for channel, slots in capacity.items():
        try:
            out[str(Channel(channel))] = int(slots)
        except ValueError as exc:
            raise InvalidInput(f"bad capacity {channel!r}: {slots!r}",
                               details={"field": "capacity", "channel": channel}) from exc
        if out[str(channel)] < 0:
            raise InvalidInput("capacity must not be negative",
                               details={"field": "capacity", "channel": channel})
    return out


async def create_agent(uow: UnitOfWork, data: NewAgent, *, actor: str) -> Agent:
    """Create an agent; ``DuplicateKey`` if the email is taken, ``InvalidInput`` for a short
    password, a skill level outside 1..5 or an unknown channel in ``capacity``."""
    email = (checks.text("email", data.email, 320, required=True) or "").lower()
    name = checks.text("name", data.name, 200, required=True)
    if "@" not in email:
        raise InvalidInput("not an email address", details={"field": "email", "value": email})
    if len(data.password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters",
                           details={"field": "password"})
    _check_skills(data.skills)
    capacity = _check_capacity(data.capacity)
    team = checks.text("team", data.team, 64)
    async with uow:
        if await uow.agents.get_by_email(email) is not None:
            raise DuplicateKey("agent", "email", email)
        agent = Agent(email=email, name=name, role=AgentRole(data.role),
                      password_hash=await _hash_in_thread(data.password), languages=list(data.languages),
                      capacity=capacity, presence=Presence.OFFLINE, active=True, team=team,
                      skills=[AgentSkill(skill=s, level=int(lv)) for s, lv in data.skills.items()])
        uow.agents.add(agent)
        await uow.flush()
        audit.record(uow, actor, "agent.create", "agent", agent.id, {"role": str(agent.role)})
        await uow.commit()
    return agent


async def authenticate(uow: UnitOfWork, email: str, password: str, *,
                       policy: LoginPolicy | None = None) -> Agent:
    """The active agent with these credentials; ``InvalidCredentials`` (401) otherwise,
    without saying whether the email exists. Wrong passwords are counted per account
    (``login_guard``): over the limit, ``LoginLocked`` (429) and no password is checked.
    argon2 runs in a thread, outside any transaction, so sign-ins never stall chat."""
    policy = policy or LoginPolicy()
    await login_guard.refuse_if_locked(uow, email)
    async with uow:
        agent = await uow.agents.get_by_email(email)
    agent_id = agent.id if agent is not None else None
    try:
        await asyncio.to_thread(_HASHER.verify,
                                agent.password_hash if agent else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        await login_guard.record_failure(uow, email, agent_id, policy)
        raise InvalidCredentials() from None
    if agent is None or not agent.active:
        raise InvalidCredentials()
    await login_guard.record_success(uow, email)
    if _HASHER.check_needs_rehash(agent.password_hash):
        new_hash = await _hash_in_thread(password)
        async with uow:
            stored = await uow.agents.get(agent.id)
            if stored is not None:
                stored.password_hash = new_hash
                await uow.commit()
    return agent


def _revoke_tokens(agent: Agent) -> None:
    """Every token signed for ``agent`` until now stops working (password changed or
    account disabled): tokens carry the version they were signed with."""
    agent.token_version = (agent.token_version or 0) + 1


async def standing(uow: UnitOfWork, agent_id: int) -> AgentStanding | None:
    """Role, active flag and token version of an agent (what a token check needs), or
    None if there is no such agent. One indexed row, cheap enough for every request."""
    async with uow:
        return await uow.agents.standing(agent_id)


async def get_agent(uow: UnitOfWork, agent_id: int) -> Agent:
    """The agent with skills; ``AgentNotFound`` if none."""
    async with uow:
        agent = await uow.agents.get(agent_id)
    if agent is None:
        raise AgentNotFound(agent_id)
    return agent


async def list_agents(uow: UnitOfWork, *, active: bool | None = True,
                      role: AgentRole | None = None, skill: str | None = None,
                      min_level: int = 1, language: str | None = None, limit: int = 50,
                      offset: int = 0) -> Page[Agent]:
    """Agents matching the filters, by id, with their skills."""
    async with uow:
        return await uow.agents.list(active=active, role=role, skill=skill,
                                     min_level=min_level, language=language, limit=limit,
                                     offset=offset)


async def set_presence(uow: UnitOfWork, agent_id: int, presence: Presence) -> Agent:
    """Mark the agent available / busy / away / offline."""
    async with uow:
        agent = await uow.agents.get(agent_id)
        if agent is None:
            raise AgentNotFound(agent_id)
        agent.presence = Presence(presence)
        await uow.commit()
    return agent


async def set_skills(uow: UnitOfWork, agent_id: int, skills: dict[str, int], *,
                     actor: str) -> Agent:
    """Replace the agent's skills (skill -> level 1..5)."""
    _check_skills(skills)
    async with uow:
        agent = await uow.agents.get(agent_id)
        if agent is None:
            raise AgentNotFound(agent_id)
        agent.skills.clear()
        await uow.flush()
        agent.skills.extend(AgentSkill(skill=s, level=int(lv)) for s, lv in skills.items())
        audit.record(uow, actor, "agent.skills", "agent", agent_id, {"skills": skills})
        await uow.commit()
    return agent


async def set_active(uow: UnitOfWork, agent_id: int, active: bool, *, actor: str) -> Agent:
    """Enable or disable an agent (disabled agents cannot log in or be assigned)."""
    async with uow:
        agent = await uow.agents.get(agent_id)
        if agent is None:
            raise AgentNotFound(agent_id)
        if agent.active and not active:
            _revoke_tokens(agent)
        agent.active = active
        if not active:
            agent.presence = Presence.OFFLINE
        audit.record(uow, actor, "agent.active", "agent", agent_id, {"active": active})
        await uow.commit()
    return agent


@dataclass(frozen=True, slots=True)
class AgentChanges:
    """A partial update of an agent: ``UNSET`` fields stay; ``None`` clears ``team`` and is
    refused for the others. ``skills`` replaces all skills; ``password`` is re-hashed."""

    name: str | None | Unset = UNSET
    role: AgentRole | None | Unset = UNSET
    password: str | None | Unset = UNSET
    languages: list[str] | None | Unset = UNSET
    capacity: dict[str, int] | None | Unset = UNSET
    skills: dict[str, int] | None | Unset = UNSET
    active: bool | None | Unset = UNSET
    team: str | None | Unset = UNSET


# Fields a patch may set to null (clearing them).
_NULLABLE_AGENT_FIELDS = frozenset({"team"})


def _clean_agent_changes(changes: AgentChanges) -> dict[str, Any]:
    """The sent fields, checked like ``create_agent`` checks them."""
    values = checks.sent(changes)
    if not values:
        raise InvalidInput("Nothing to change.", details={"body": "no fields"})
    checks.no_nulls("agent", values, set(values) - _NULLABLE_AGENT_FIELDS)
    if "name" in values:
        values["name"] = checks.text("name", values["name"], 200, required=True)
    if "team" in values:
        values["team"] = checks.text("team", values["team"], 64)
    if "role" in values:
        try:
            values["role"] = AgentRole(values["role"])
        except ValueError as exc:
            allowed = [r.value for r in AgentRole]
            raise InvalidInput(f"unknown role {values['role']!r}",
                               details={"field": "role", "allowed": allowed}) from exc
    if "password" in values and len(values["password"]) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters",
                           details={"field": "password"})
    if "skills" in values:
        _check_skills(values["skills"])
        values["skills"] = {s: int(lv) for s, lv in values["skills"].items()}
    if "capacity" in values:
        values["capacity"] = _check_capacity(values["capacity"])
    if "languages" in values:
        values["languages"] = list(values["languages"])
    return values


async def update_agent(uow: UnitOfWork, agent_id: int, changes: AgentChanges, *, actor: str,
                       acting_agent_id: int | None = None) -> Agent:
    """Apply the sent fields of ``changes``; audited (the password only as "changed").

    ``AgentNotFound`` if none; ``InvalidInput`` for nothing sent, a null required field,
    a short password, a bad skill level or channel; ``SelfLockout`` when
    ``acting_agent_id`` lowers their own role or disables themselves. Disabling an agent
    also takes them offline."""
    values = _clean_agent_changes(changes)
    async with uow:
        agent = await uow.agents.get(agent_id)
        if agent is None:
            raise AgentNotFound(agent_id)
        if acting_agent_id is not None:
            rules.check_no_self_lockout(agent_id, acting_agent_id, agent.role,
                                        values.get("role"), values.get("active"))
        logged: dict[str, Any] = {}
        for name, value in values.items():
            if name == "password":
                agent.password_hash = await _hash_in_thread(value)
                _revoke_tokens(agent)
                logged["password"] = "changed"
            elif name == "skills":
                agent.skills.clear()
                await uow.flush()
                agent.skills.extend(AgentSkill(skill=s, level=lv) for s, lv in value.items())
                logged["skills"] = value
            else:
                if name == "active" and agent.active and not value:
                    _revoke_tokens(agent)
                setattr(agent, name, value)
                logged[name] = str(value) if name == "role" else value
        if values.get("active") is False:
            agent.presence = Presence.OFFLINE
        audit.record(uow, actor, "agent.update", "agent", agent_id, logged)
        await uow.commit()
    return agent
