"""A small, real CRM behind the real app for the REST API tests (``test_api_*.py``).

The database is migrated with crm_core's own ``upgrade`` and filled through crm_core's
services (no hand-written rows, no mocks); requests go through ``create_app(settings)``.
"""

from __future__ import annotations

import asyncio
import copy
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.gateway.app import create_app
from bot.gateway.tokens import sign_agent_token
from bot.settings import Settings
from crm_core.db import create_engine, create_session_factory
from crm_core.domain import AgentRole, Channel, OrderStatus, Priority
from crm_core.models import utcnow
from crm_core.schema import upgrade
from crm_core.services import agents, conversations, customers, orders, tickets
from crm_core.unit_of_work import SqlUnitOfWork

SECRET = "api-test-secret-0123456789abcdef"
PASSWORD = "correct horse battery"
SEEDER = "system"


@dataclass
class World:
    """Ids and numbers of what was seeded, so tests can name things."""

    agents: dict[str, int] = field(default_factory=dict)  # role or name -> id
    customers: dict[str, int] = field(default_factory=dict)  # "ann", "bo", "chen"
    products: dict[str, int] = field(default_factory=dict)  # sku -> id
    orders: dict[str, str] = field(default_factory=dict)  # "pending", "shipped"... -> number
    tickets: dict[str, str] = field(default_factory=dict)  # "new", "urgent" -> number


async def seed(url: str, config_dir: Any) -> World:
    """Agents of each role, three customers, two products, orders in each state, tickets."""
    from crm_core.policies import load_policy

    engine = create_engine(url)
    uow = SqlUnitOfWork(create_session_factory(engine))
    world = World()
    try:
        for name, role in [("agent", AgentRole.AGENT), ("agent2", AgentRole.AGENT),
                           ("supervisor", AgentRole.SUPERVISOR), ("admin", AgentRole.ADMIN)]:
            agent = await agents.create_agent(uow, agents.NewAgent(
                email=f"{name}@kefu.test", name=name.title(), password=PASSWORD, role=role,
                skills={"billing": 3}), actor=SEEDER)
            world.agents[name] = agent.id
        people = [("ann", "Ann Lee", "ann@example.com", "+44 20 7946 0001", "GB", "gold"),
                  ("bo", "Bo Chen", "bo@example.com", "+86 10 1234 5678", "CN", "standard"),
                  ("chen", "Chen Wei", "chen.wei@example.com", None, "CN", "vip")]
        for key, name, email, phone, country, tier in people:
            customer = await customers.create_customer(uow, customers.NewCustomer(
                name=name, email=email, phone=phone, country=country, tier=tier),
                actor=SEEDER)
            world.customers[key] = customer.id
        for sku, name, price, category in [("MUG-1", "Blue mug", "9.50", "kitchen"),
                                           ("TEA-1", "Green tea", "4.20", "food")]:
            product = await customers.create_product(uow, customers.NewProduct(
                sku=sku, name=name, price=Decimal(price), category=category, stock=100),
                actor=SEEDER)
            world.products[sku] = product.id
        now = utcnow()
        steps = {"pending": [], "paid": [OrderStatus.PAID],
                 "shipped": [OrderStatus.PAID, OrderStatus.SHIPPED],
                 "delivered": [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED],
                 "delivered_long_ago": [OrderStatus.PAID, OrderStatus.SHIPPED,
                                        OrderStatus.DELIVERED]}
        for key, path in steps.items():
            order = await orders.place_order(
                uow, world.customers["ann"], [orders.NewOrderLine("MUG-1", 2)],
                "1 High Street, London", actor=SEEDER)
            when = now - timedelta(days=60) if key == "delivered_long_ago" else now
            for target in path:
                await orders.advance_order(uow, order.number, target, actor=SEEDER, now=when,
                                           tracking_number="TRK1" if target == "shipped" else None)
            world.orders[key] = order.number
        bo_order = await orders.place_order(uow, world.customers["bo"],
                                            [orders.NewOrderLine("TEA-1", 1)], "2 Long Road",
                                            actor=SEEDER)
        world.orders["bo"] = bo_order.number
        # What each agent holds (the access rule): "agent" chats with Ann, "agent2" with
        # Bo; nobody holds Chen. Supervisors and admins see everyone.
        for who, customer in (("agent", "ann"), ("agent2", "bo")):
            chat = await conversations.start_conversation(
                uow, f"web-{customer}", Channel.WEB, customer_id=world.customers[customer])
            await conversations.assign_agent(uow, chat.id, world.agents[who], actor=SEEDER)
        policy = load_policy(config_dir)
        for key, who, priority in [("new", "ann", Priority.NORMAL), ("urgent", "ann",
                                   Priority.URGENT), ("bo", "bo", Priority.LOW)]:
            ticket = await tickets.create_ticket(uow, policy, tickets.NewTicket(
                customer_id=world.customers[who], subject=f"Help {key}", priority=priority,
                description="My order is late"), actor=SEEDER)
            world.tickets[key] = ticket.number
    finally:
        await engine.dispose()
    return world


@dataclass
class Api:
    """The test client plus the seeded world; ``call`` signs in as a role by name."""

    client: TestClient
    world: World

    def token(self, who: str = "agent") -> str:
        """A valid bearer token for a seeded agent ("agent", "supervisor", "admin"...)."""
        role = "agent" if who.startswith("agent") else who
        return sign_agent_token(self.world.agents[who], role, SECRET)

    async def call(self, method: str, path: str, who: str | None = "agent",
                   **kwargs: Any) -> tuple[int, Any]:
        """Status and decoded JSON body of one request (``who=None``: no token)."""
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.token(who)}"
        resp = await self.client.request(method, "/api/v1" + path, headers=headers, **kwargs)
        return resp.status, await resp.json()

    async def audit(self, **filters: Any) -> list[Any]:
        """Audit entries (newest first) straight from the database, via crm_core."""
        from crm_core.services import audit

        engine = create_engine(self.client.server.app[_settings_key()].database_url)
        try:
            page = await audit.list_entries(SqlUnitOfWork(create_session_factory(engine)),
                                            limit=200, **filters)
        finally:
            await engine.dispose()
        return page.items


def _settings_key():  # noqa: ANN202
    from bot.gateway import keys

    return keys.SETTINGS


def data_dir_with_nlu(path: Path, nlu_model_dir: Path) -> Path:
    """A data dir whose NLU model is the session's trained one (the app would train its own)."""
    models = path / "models"
    models.mkdir(parents=True, exist_ok=True)
    if not (models / "nlu").exists():
        (models / "nlu").symlink_to(nlu_model_dir, target_is_directory=True)
    return path


async def make_api(aiohttp_client: Any, url: str, data_dir: Path,
                   world: World | None = None) -> Api:
    """Start the real app on ``url``; migrate and seed it first unless ``world`` is given."""
    settings = Settings(database_url=url, secret_key=SECRET, data_dir=data_dir)
    if world is None:
        await upgrade(url)
        world = await seed(url, settings.config_dir)
    client = await aiohttp_client(create_app(settings))
    return Api(client, world)


# Built once per test process: each test module imports the fixture below, which pytest
# would otherwise treat as one session fixture per module.
_TEMPLATE: dict[str, tuple[Path, World]] = {}


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    """One migrated, seeded SQLite file per test run; tests get copies (argon2 hashing
    and migrations are too slow to repeat for every test)."""
    if "sqlite" not in _TEMPLATE:
        path = tmp_path_factory.mktemp("api-template") / "kefu.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"

        async def build() -> World:
            await upgrade(url)
            return await seed(url, Settings(database_url=url).config_dir)

        _TEMPLATE["sqlite"] = (path, asyncio.run(build()))
    return _TEMPLATE["sqlite"]


async def _copy_of_template(aiohttp_client: Any, data_dir: Path,
                            template: tuple[Path, World]) -> Api:
    path, world = template
    target = data_dir / "kefu-copy.sqlite3"
    shutil.copyfile(path, target)
    return await make_api(aiohttp_client, f"sqlite+aiosqlite:///{target}", data_dir,
                          copy.deepcopy(world))


@pytest.fixture
async def api(aiohttp_client: Any, tmp_path: Path, nlu_model_dir: Path,
              seeded_sqlite_template: tuple[Path, World]) -> Api:
    """The API on a private copy of the seeded SQLite database."""
    data_dir = data_dir_with_nlu(tmp_path, nlu_model_dir)
    return await _copy_of_template(aiohttp_client, data_dir, seeded_sqlite_template)


@pytest.fixture
async def api_on_both(aiohttp_client: Any, database_url: str, tmp_path: Path,
                      nlu_model_dir: Path, seeded_sqlite_template: tuple[Path, World]) -> Api:
    """The API on SQLite (a copy of the template) and on PostgreSQL (a fresh database,
    migrated and seeded the same way)."""
    data_dir = data_dir_with_nlu(tmp_path, nlu_model_dir)
    if database_url.startswith("sqlite"):
        return await _copy_of_template(aiohttp_client, data_dir, seeded_sqlite_template)
    return await make_api(aiohttp_client, database_url, data_dir)
