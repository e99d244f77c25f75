"""Redis queue backend: several workers share one queue; every transition is a Lua script.

A Lua script runs atomically on the Redis server, so a claim checks "task still waiting,
agent available with a free slot" and makes the reservation in one step: two workers (or
two agents) racing for a task cannot both win, and an agent never passes capacity.

Layout (``<p>`` is the key prefix): ``<p>:task:<id>`` hash (data, kind, status, agent,
expires, declined), ``<p>:tasks`` set, ``<p>:waiting`` zset by enqueue time, ``<p>:offers``
zset by expiry, ``<p>:agent:<id>`` hash (profile, presence, cap:<kind>, load:<kind>, last),
``<p>:agent:<id>:tasks`` set, ``<p>:agents`` set.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from routing.model import (
    AgentProfile, AgentState, Presence, Task, TaskState, TaskStatus,
)
from routing.store import TransferResult

# KEYS: task, agent, agent_tasks, waiting, offers; ARGV: task_id, agent_id, expires, now
_CLAIM = """
if redis.call('HGET', KEYS[1], 'status') ~= 'waiting' then return 0 end
if redis.call('HGET', KEYS[2], 'presence') ~= 'available' then return 0 end
local kind = redis.call('HGET', KEYS[1], 'kind')
local cap = tonumber(redis.call('HGET', KEYS[2], 'cap:' .. kind) or '0')
local load = tonumber(redis.call('HGET', KEYS[2], 'load:' .. kind) or '0')
if load >= cap then return 0 end
redis.call('HSET', KEYS[1], 'status', 'offered', 'agent', ARGV[2], 'expires', ARGV[3])
redis.call('HINCRBY', KEYS[2], 'load:' .. kind, 1)
redis.call('HSET', KEYS[2], 'last', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[3], ARGV[1])
return 1
"""

# KEYS: task, offers, agent; ARGV: task_id, agent_id
_ACCEPT = """
if redis.call('HGET', KEYS[1], 'status') ~= 'offered' then return 0 end
if redis.call('HGET', KEYS[1], 'agent') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'status', 'assigned', 'expires', '')
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], 'refusals', 0)
return 1
"""

# KEYS: agent; ARGV: now
_REFUSAL = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'refused_at', ARGV[1])
return redis.call('HINCRBY', KEYS[1], 'refusals', 1)
"""

# KEYS: task, agent, agent_tasks, waiting, offers
# ARGV: task_id, agent_id, now, decline(0/1), only_if_expired(0/1)
_RELEASE = """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'offered' and status ~= 'assigned' then return 0 end
if redis.call('HGET', KEYS[1], 'agent') ~= ARGV[2] then return 0 end
if ARGV[5] == '1' then
  if status ~= 'offered' then return 0 end
  if tonumber(redis.call('HGET', KEYS[1], 'expires')) > tonumber(ARGV[3]) then return 0 end
end
local kind = redis.call('HGET', KEYS[1], 'kind')
redis.call('HSET', KEYS[1], 'status', 'waiting', 'agent', '', 'expires', '')
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], 'declined', (redis.call('HGET', KEYS[1], 'declined') or '') .. ARGV[2] .. ',')
end
redis.call('HINCRBY', KEYS[2], 'load:' .. kind, -1)
redis.call('HSET', KEYS[2], 'last', ARGV[3])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZADD', KEYS[4], redis.call('HGET', KEYS[1], 'enqueued'), ARGV[1])
return 1
"""

# KEYS: task, tasks, waiting, offers; ARGV: task_id, now, prefix
_FINISH = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local agent = redis.call('HGET', KEYS[1], 'agent')
if agent and agent ~= '' then
  local akey = ARGV[3] .. ':agent:' .. agent
  redis.call('HINCRBY', akey, 'load:' .. redis.call('HGET', KEYS[1], 'kind'), -1)
  redis.call('HSET', akey, 'last', ARGV[2])
  redis.call('SREM', akey .. ':tasks', ARGV[1])
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
"""

# KEYS: task, from_agent, from_tasks, to_agent, to_tasks, offers
# ARGV: task_id, from_id, to_id, expires, now
_TRANSFER = """
local status = redis.call('HGET', KEYS[1], 'status')
if (status ~= 'offered' and status ~= 'assigned') or redis.call('HGET', KEYS[1], 'agent') ~= ARGV[2] then
  return 0
end
local kind = redis.call('HGET', KEYS[1], 'kind')
if redis.call('HGET', KEYS[4], 'presence') ~= 'available' then return -1 end
local cap = tonumber(redis.call('HGET', KEYS[4], 'cap:' .. kind) or '0')
if tonumber(redis.call('HGET', KEYS[4], 'load:' .. kind) or '0') >= cap then return -1 end
redis.call('HINCRBY', KEYS[2], 'load:' .. kind, -1)
redis.call('HSET', KEYS[2], 'last', ARGV[5])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[4], 'load:' .. kind, 1)
redis.call('HSET', KEYS[4], 'last', ARGV[5])
redis.call('SADD', KEYS[5], ARGV[1])
redis.call('HSET', KEYS[1], 'status', 'offered', 'agent', ARGV[3], 'expires', ARGV[4])
redis.call('ZADD', KEYS[6], ARGV[4], ARGV[1])
return 1
"""

# KEYS: waiting; ARGV: prefix. One round trip for the whole queue (a dispatch round's read).
_WAITING = """
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {}
for _, id in ipairs(ids) do
  local v = redis.call('HMGET', ARGV[1] .. ':task:' .. id, 'data', 'declined')
  if v[1] then
    out[#out + 1] = v[1]
    out[#out + 1] = v[2] or ''
  end
end
return out
"""

# KEYS: task, tasks, waiting; ARGV: task_id, data, kind, enqueued
_ADD = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'kind', ARGV[3], 'status', 'waiting', 'agent', '',
           'expires', '', 'declined', '', 'enqueued', ARGV[4])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
return 1
"""


class RedisStore:
    """``QueueStore`` on Redis (see module docstring); safe for several workers."""

    def __init__(self, url: str, *, prefix: str = "kefu:routing",
                 max_connections: int = 32) -> None:
        import redis.asyncio as aioredis

        # A blocking pool makes bursts wait for a connection instead of failing.
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=max_connections, decode_responses=True)
        self._redis = aioredis.Redis(connection_pool=pool)
        self._p = prefix
        self._claim = self._redis.register_script(_CLAIM)
        self._accept = self._redis.register_script(_ACCEPT)
        self._release = self._redis.register_script(_RELEASE)
        self._finish = self._redis.register_script(_FINISH)
        self._transfer = self._redis.register_script(_TRANSFER)
        self._add = self._redis.register_script(_ADD)
        self._waiting = self._redis.register_script(_WAITING)
        self._refusal = self._redis.register_script(_REFUSAL)

    def _task(self, task_id: str) -> str:
        return f"{self._p}:task:{task_id}"

    def _agent(self, agent_id: int | str) -> str:
        return f"{self._p}:agent:{agent_id}"

    async def put_agent(self, profile: AgentProfile) -> None:
        """Create or update an agent's profile; presence and load are kept."""
        key = self._agent(profile.agent_id)
        fields: dict[str, Any] = {"profile": json.dumps(profile.to_dict())}
        fields.update({f"cap:{k}": v for k, v in profile.capacity.items()})
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.hsetnx(key, "presence", Presence.OFFLINE.value)
            pipe.hsetnx(key, "last", 0)
            pipe.sadd(f"{self._p}:agents", profile.agent_id)
            await pipe.execute()

    async def set_presence(self, agent_id: int, presence: Presence, now: float) -> list[str]:
        """Set presence; returns the ids of tasks the agent holds."""
        key = self._agent(agent_id)
        if not await self._redis.exists(key):
            return []
        previous = await self._redis.hget(key, "presence")
        mapping: dict[str, Any] = {"presence": presence.value}
        if presence is Presence.AVAILABLE and previous != presence.value:
            mapping["last"] = now
        await self._redis.hset(key, mapping=mapping)
        return sorted(await self._redis.smembers(f"{key}:tasks"))

    async def agent(self, agent_id: int) -> AgentState | None:
        """One agent's live state, or None."""
        raw = await self._redis.hgetall(self._agent(agent_id))
        return _agent_state(raw) if raw else None

    async def agents(self) -> list[AgentState]:
        """Every known agent's live state."""
        ids = sorted(await self._redis.smembers(f"{self._p}:agents"), key=int)
        async with self._redis.pipeline(transaction=False) as pipe:
            for agent_id in ids:
                pipe.hgetall(self._agent(agent_id))
            rows = await pipe.execute()
        return [_agent_state(raw) for raw in rows if raw]

    async def add_task(self, task: Task) -> bool:
        """Queue a new task; False when it is already there."""
        added = await self._add(
            keys=[self._task(task.task_id), f"{self._p}:tasks", f"{self._p}:waiting"],
            args=[task.task_id, json.dumps(task.to_dict()), task.kind.value, task.enqueued_at])
        return bool(added)

    async def update_task(self, task: Task) -> None:
        """Replace a task's data, keeping its status."""
        key = self._task(task.task_id)
        if await self._redis.exists(key):
            await self._redis.hset(key, mapping={"data": json.dumps(task.to_dict()),
                                                 "kind": task.kind.value})

    async def get(self, task_id: str) -> TaskState | None:
        """A task and its status, or None."""
        raw = await self._redis.hgetall(self._task(task_id))
        return _task_state(raw) if raw else None

    async def tasks(self) -> list[TaskState]:
        """All tasks."""
        ids = await self._redis.smembers(f"{self._p}:tasks")
        async with self._redis.pipeline(transaction=False) as pipe:
            for task_id in ids:
                pipe.hgetall(self._task(task_id))
            rows = await pipe.execute()
        return [_task_state(raw) for raw in rows if raw]

    async def lead_round(self, seconds: float) -> bool:
        """True for the one worker that should run this dispatch round (a short Redis lease).

        Claims stay atomic without it; the lease only saves the other workers from planning
        the same round and losing every claim.
        """
        return bool(await self._redis.set(f"{self._p}:round", "1", nx=True,
                                          px=max(1, int(seconds * 1000))))

    async def waiting(self) -> list[TaskState]:
        """Tasks waiting in the queue, read in one server-side step."""
        flat = await self._waiting(keys=[f"{self._p}:waiting"], args=[self._p])
        return [TaskState(task=_parse_task(flat[i]), declined_by=_declined(flat[i + 1]))
                for i in range(0, len(flat), 2)]

    async def claim(self, task_id: str, agent_id: int, expires_at: float, now: float) -> bool:
        """Atomically reserve a waiting task for an available agent with a free slot."""
        agent = self._agent(agent_id)
        done = await self._claim(
            keys=[self._task(task_id), agent, f"{agent}:tasks", f"{self._p}:waiting",
                  f"{self._p}:offers"],
            args=[task_id, agent_id, expires_at, now])
        return done == 1

    async def claim_many(self, pairs: list[tuple[str, int]], expires_at: float,
                         now: float) -> list[bool]:
        """Several claims in one round trip; each is still atomic on its own."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for task_id, agent_id in pairs:
                agent = self._agent(agent_id)
                await self._claim(
                    keys=[self._task(task_id), agent, f"{agent}:tasks", f"{self._p}:waiting",
                          f"{self._p}:offers"],
                    args=[task_id, agent_id, expires_at, now], client=pipe)
            results = await pipe.execute()
        return [r == 1 for r in results]

    async def accept(self, task_id: str, agent_id: int) -> bool:
        """Offered to this agent -> assigned."""
        done = await self._accept(keys=[self._task(task_id), f"{self._p}:offers",
                                        self._agent(agent_id)], args=[task_id, agent_id])
        return done == 1

    async def note_refusal(self, agent_id: int, now: float) -> int:
        """Count one more refusal in a row (atomically, whichever worker saw it)."""
        return int(await self._refusal(keys=[self._agent(agent_id)], args=[now]))

    async def release(self, task_id: str, agent_id: int, now: float, *, decline: bool = False,
                      only_if_expired: bool = False) -> bool:
        """Offered/assigned to this agent -> waiting again."""
        agent = self._agent(agent_id)
        done = await self._release(
            keys=[self._task(task_id), agent, f"{agent}:tasks", f"{self._p}:waiting",
                  f"{self._p}:offers"],
            args=[task_id, agent_id, now, int(decline), int(only_if_expired)])
        return done == 1

    async def due_offers(self, now: float) -> list[tuple[str, int]]:
        """Offers whose reservation has expired."""
        ids = await self._redis.zrangebyscore(f"{self._p}:offers", "-inf", now)
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for task_id in ids:
                pipe.hget(self._task(task_id), "agent")
            agents = await pipe.execute()
        return [(t, int(a)) for t, a in zip(ids, agents, strict=True) if a]

    async def finish(self, task_id: str, now: float) -> TaskState | None:
        """Remove the task, freeing its agent's slot."""
        state = await self.get(task_id)
        if state is None:
            return None
        done = await self._finish(
            keys=[self._task(task_id), f"{self._p}:tasks", f"{self._p}:waiting",
                  f"{self._p}:offers"], args=[task_id, now, self._p])
        return state if done == 1 else None

    async def transfer(self, task_id: str, from_agent: int, to_agent: int, expires_at: float,
                       now: float) -> TransferResult:
        """Atomically move a held task to another agent as a new offer."""
        src, dst = self._agent(from_agent), self._agent(to_agent)
        done = await self._transfer(
            keys=[self._task(task_id), src, f"{src}:tasks", dst, f"{dst}:tasks",
                  f"{self._p}:offers"],
            args=[task_id, from_agent, to_agent, expires_at, now])
        return {1: TransferResult.OK, -1: TransferResult.UNAVAILABLE}.get(
            done, TransferResult.NOT_HELD)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()
        await self._redis.connection_pool.disconnect()


def _agent_state(raw: dict[str, str]) -> AgentState:
    profile = AgentProfile.from_dict(json.loads(raw["profile"]))
    load = {k[5:]: int(v) for k, v in raw.items() if k.startswith("load:")}
    return AgentState(profile=profile, presence=Presence(raw.get("presence", "offline")),
                      load=load, last_activity=float(raw.get("last") or 0),
                      refusals=int(raw.get("refusals") or 0),
                      refused_at=float(raw.get("refused_at") or 0))


@lru_cache(maxsize=65_536)
def _parse_task(data: str) -> Task:
    # Task data never changes in place (update_task writes new JSON), so a cache keyed by
    # the JSON text saves re-parsing 10k tasks on every dispatch round.
    return Task.from_dict(json.loads(data))


def _declined(text: str) -> frozenset[int]:
    return frozenset(int(a) for a in text.split(",") if a)


def _task_state(raw: dict[str, str]) -> TaskState:
    declined = _declined(raw.get("declined", ""))
    agent = raw.get("agent") or None
    expires = raw.get("expires") or None
    return TaskState(task=_parse_task(raw["data"]),
                     status=TaskStatus(raw["status"]),
                     agent_id=int(agent) if agent else None,
                     offer_expires_at=float(expires) if expires else None,
                     declined_by=declined)
