"""Fixtures shared by the CRM integration tests: a migrated database and a unit of work.

Import them into a test module with ``from tests.integration.crm_support import *``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from crm_core.db import create_engine, create_session_factory
from crm_core.policies import parse_policy
from crm_core.schema import upgrade
from crm_core.unit_of_work import SqlUnitOfWork

__all__ = ["migrated_url", "uow", "policy", "TEST_POLICY"]

TEST_POLICY = {
    "sla": {
        "default_priority": "normal",
        "priorities": {
            "urgent": {"first_response_minutes": 15, "resolution_minutes": 60},
            "high": {"first_response_minutes": 60, "resolution_minutes": 480},
            "normal": {"first_response_minutes": 240, "resolution_minutes": 2880},
            "low": {"first_response_minutes": 1440, "resolution_minutes": 10080},
        },
        "category_priority": {"payment": "high"},
        "tier_boost": {"vip": 1},
    },
    "orders": {"return_window_days": 30},
}


@pytest.fixture
async def migrated_url(database_url: str) -> str:
    """The parametrised database (SQLite and PostgreSQL), migrated to head."""
    await upgrade(database_url)
    return database_url


@pytest.fixture
async def uow(migrated_url: str) -> AsyncIterator[SqlUnitOfWork]:
    """A unit of work on the migrated database."""
    engine = create_engine(migrated_url)
    yield SqlUnitOfWork(create_session_factory(engine))
    await engine.dispose()


@pytest.fixture
def policy():
    """A fixed SLA policy (numbers chosen by the test, not read from config)."""
    return parse_policy(TEST_POLICY)
