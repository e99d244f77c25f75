"""A real app with a small CRM for the console tests (``test_console_*.py``).

Agents are created through crm_core's services (argon2 passwords); they sign in through
the REST API's ``/api/v1/auth/login``; the customer talks through the real ``/ws/chat``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.gateway.app import create_app
from bot.settings import Settings

SECRET = "console-test-secret-0123456789abcdef"
PASSWORD = "console pass phrase"


@dataclass
class ConsoleWorld:
    """Ids of what was seeded."""

    agents: dict[str, int]
    customer_id: int


async def seed(url: str) -> ConsoleWorld:
    """Three agents (two agents, one supervisor; Alice and Sue in team "orders", Bob in
    none), one gold customer with an order."""
    from crm_core.db import create_engine, create_session_factory
    from crm_core.domain import AgentRole
    from crm_core.models import Base
    from crm_core.services import agents, customers, orders
    from crm_core.unit_of_work import SqlUnitOfWork
    from decimal import Decimal

    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    factory = create_session_factory(engine)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(factory)

    ids: dict[str, int] = {}
    for name, role, team in (("alice", AgentRole.AGENT, "orders"),
                             ("bob", AgentRole.AGENT, None),
                             ("sue", AgentRole.SUPERVISOR, "orders")):
        agent = await agents.create_agent(uow(), agents.NewAgent(
            email=f"{name}@kefu.test", name=name.title(), password=PASSWORD, role=role,
            skills={"orders": 3}, languages=["en"], capacity={"web": 2, "voice": 1},
            team=team), actor="test")
        ids[name] = agent.id
    ann = await customers.create_customer(uow(), customers.NewCustomer(
        name="Ann Lee", email="ann@example.com", tier="gold"), actor="test")
    await customers.create_product(uow(), customers.NewProduct(
        sku="MUG-1", name="Mug", price=Decimal("9.50"), category="kitchen", stock=5),
        actor="test")
    await orders.place_order(uow(), ann.id, [orders.NewOrderLine("MUG-1", 1)], "1 Road",
                             actor="test")
    await engine.dispose()
    return ConsoleWorld(ids, ann.id)


def console_app(url: str, data_dir: Path, nlu_model_dir: Path,
                redis_url: str | None = None) -> Any:
    """The real application; the session's trained NLU model is linked in, not retrained.
    With ``redis_url`` the queue and the live chat run on Redis (the multi-worker setup)."""
    models = data_dir / "models"
    models.mkdir(parents=True, exist_ok=True)
    (models / "nlu").symlink_to(nlu_model_dir, target_is_directory=True)
    return create_app(Settings(database_url=url, secret_key=SECRET, data_dir=data_dir,
                               redis_url=redis_url))


async def login(client: Any, name: str) -> str:
    """A bearer token from the REST API's login (argon2 check in the CRM)."""
    resp = await client.post("/api/v1/auth/login",
                             json={"email": f"{name}@kefu.test", "password": PASSWORD})
    assert resp.status == 200, await resp.text()
    return (await resp.json())["access_token"]


class ManualClock:
    """The router's clock, moved by hand so offer timeouts need no sleeping."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
