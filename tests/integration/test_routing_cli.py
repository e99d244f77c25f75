"""``kefu routing queue`` against a real Redis."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import main as kefu

pytestmark = pytest.mark.redis



def test_queue_command_needs_redis_and_reads_it(redis_url: str) -> None:
    import asyncio

    from routing.model import AgentProfile, Presence, Task
    from routing.redis_store import RedisStore

    runner = CliRunner()
    result = runner.invoke(kefu, ["routing", "queue"], env={"KEFU_REDIS_URL": ""})
    assert result.exit_code == 2 and "KEFU_REDIS_URL" in result.output

    async def fill() -> None:
        store = RedisStore(redis_url)
        await store.put_agent(AgentProfile(1, name="Alice"))
        await store.set_presence(1, Presence.AVAILABLE, 1.0)
        await store.add_task(Task("old", enqueued_at=1.0))
        await store.add_task(Task("vip", tier="vip", enqueued_at=2.0))
        await store.close()

    asyncio.run(fill())
    result = runner.invoke(kefu, ["routing", "queue", "--redis-url", redis_url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [row["task_id"] for row in data["waiting"]] == ["vip", "old"]
    assert data["agents"][0]["name"] == "Alice" and data["queue_length"] == 2
