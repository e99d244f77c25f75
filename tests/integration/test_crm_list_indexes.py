"""Every filter of the REST lists is served by an index the migrations create, on SQLite
and PostgreSQL: checked on the migrated schema and on the real queries' plans."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event, inspect, text

from bot.gateway.api.schemas import (
    AuditQuery,
    CommentQuery,
    CustomerQuery,
    OrderQuery,
    ProductQuery,
    TicketQuery,
)
from bot.gateway.api.validation import CursorPageQuery
from crm_core.db import create_engine, create_session_factory
from crm_core.domain import OrderStatus, Priority, TicketStatus
from crm_core.services import audit, customers, orders, tickets
from crm_core.unit_of_work import SqlUnitOfWork
from tests.integration.crm_support import *  # noqa: F403 - fixtures

PAGING = set(CursorPageQuery.model_fields)

# query model -> table, and for each filter the leading index columns that serve it.
FILTERS: dict[type, tuple[str, dict[str, list[str] | None]]] = {
    # Customers' PII is encrypted (migration 0008): email and phone filter by their blind
    # index; the name by an in-process scan of the decrypted names (no SQL index can help).
    CustomerQuery: ("customers", {"name": None, "email": ["email_bidx"],
                                  "phone": ["phone_bidx"],
                                  "country": ["country", "id"], "tier": ["tier", "id"]}),
    OrderQuery: ("orders", {"customer_id": ["customer_id", "placed_at"],
                            "status": ["status", "placed_at"]}),
    TicketQuery: ("tickets", {"status": ["status", "created_at", "id"],
                              "priority": ["priority", "created_at", "id"],
                              "assignee_id": ["assignee_id"],
                              "unassigned": ["assignee_id"],
                              "customer_id": ["customer_id"]}),
    # ``search``: part of the name (trigram index on PostgreSQL) or the exact SKU.
    ProductQuery: ("products", {"category": ["category"], "search": ["name"]}),
    CommentQuery: ("ticket_comments", {"include_internal": ["ticket_id"]}),
    AuditQuery: ("audit_log", {"entity": ["entity"], "entity_id": ["entity_id"],
                               "actor": ["actor"]}),
}
# The unfiltered lists, in their order.
ORDERS = {"customers": ["id"], "orders": ["placed_at", "id"], "tickets": ["created_at", "id"],
          "audit_log": ["at"]}
# The agent list (role, active) is left out on purpose: one row per staff member, tens of
# rows, which any database reads faster whole than through an index.


def _indexes(conn: Any, table: str) -> list[list[str]]:
    insp = inspect(conn)
    found = [ix["column_names"] for ix in insp.get_indexes(table)]
    found += [uq["column_names"] for uq in insp.get_unique_constraints(table)]
    found.append(insp.get_pk_constraint(table)["constrained_columns"])
    return found


def test_every_filter_of_every_list_is_in_this_table() -> None:
    """A new filter on a list must be added here (and get its index)."""
    for model, (_, filters) in FILTERS.items():
        assert set(model.model_fields) - PAGING - {"cursor"} == set(filters), model


async def test_migrations_create_an_index_for_every_list_filter(migrated_url: str) -> None:
    engine = create_engine(migrated_url)
    try:
        async with engine.connect() as conn:
            for table, filters in FILTERS.values():
                indexes = await conn.run_sync(_indexes, table)
                for name, leading in filters.items():
                    if leading is None:
                        continue
                    assert any(ix[:len(leading)] == leading for ix in indexes), (table, name)
            for table, leading in ORDERS.items():
                indexes = await conn.run_sync(_indexes, table)
                assert any(ix[:len(leading)] == leading for ix in indexes), table
    finally:
        await engine.dispose()


ListCall = Callable[[SqlUnitOfWork], Awaitable[Any]]
# The services the REST lists call, one filter at a time; the index each should use (any
# of the names: SQLite names a UNIQUE column's index itself); whether the page must come
# in index order with no full sort (keyset pages of big tables), or may sort a few rows
# (one customer's orders or tickets).
PLANS: list[tuple[str, ListCall, tuple[str, ...], bool]] = [
    ("customers email", lambda u: customers.list_customers(u, email="a@b.c"),
     ("uq_customers_email_bidx", "sqlite_autoindex_customers_1",
      "sqlite_autoindex_customers_2"), False),
    ("customers phone", lambda u: customers.list_customers(u, phone="+4420"),
     ("ix_customers_phone_bidx",), False),
    ("customers country", lambda u: customers.list_customers(u, country="GB"),
     ("ix_customers_country_id",), True),
    ("customers tier", lambda u: customers.list_customers(u, tier="vip"),
     ("ix_customers_tier_id",), True),
    ("orders", lambda u: orders.list_orders(u), ("ix_orders_placed_id",), True),
    ("orders customer", lambda u: orders.list_orders(u, customer_id=3),
     ("ix_orders_customer_placed",), False),
    ("orders status", lambda u: orders.list_orders(u, status=OrderStatus.SHIPPED),
     ("ix_orders_status_placed",), False),
    ("tickets", lambda u: tickets.list_tickets(u), ("ix_tickets_created_id",), True),
    ("tickets status", lambda u: tickets.list_tickets(u, status=TicketStatus.ON_HOLD),
     ("ix_tickets_status_created",), True),
    ("tickets priority", lambda u: tickets.list_tickets(u, priority=Priority.URGENT),
     ("ix_tickets_priority_created",), True),
    ("tickets assignee", lambda u: tickets.list_tickets(u, assignee_id=2),
     ("ix_tickets_assignee_id",), False),
    ("tickets unassigned", lambda u: tickets.list_tickets(u, unassigned=True),
     ("ix_tickets_assignee_id",), False),
    ("tickets customer", lambda u: tickets.list_tickets(u, customer_id=3),
     ("ix_tickets_customer_status",), False),
    ("audit entity_id", lambda u: audit.list_entries(u, entity_id="T-10001"),
     ("ix_audit_log_entity_id",), False),
]
# Substring searches: a trigram index on PostgreSQL; SQLite scans for a substring anyway.
PG_ONLY_PLANS: list[tuple[str, ListCall, tuple[str, ...], bool]] = [
    ("products search", lambda u: customers.list_products(u, q="mug"),
     ("ix_products_name_trgm",), False),
]


async def _explained_page_query(migrated_url: str, call: ListCall) -> tuple[str, str, str]:
    """(dialect, SQL, plan) of the page query (the one with LIMIT) ``call`` sends.
    PostgreSQL is told to avoid sequential scans: on a near-empty table a scan is cheaper,
    which says nothing about a full one."""
    engine = create_engine(migrated_url)
    sent: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "LIMIT" in statement.upper():
            sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await call(SqlUnitOfWork(create_session_factory(engine)))
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
        [(statement, parameters)] = sent
        postgres = engine.dialect.name == "postgresql"
        async with engine.connect() as conn:
            if postgres:
                await conn.execute(text("SET enable_seqscan = off"))
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            rows = (await conn.exec_driver_sql(explain + statement, parameters)).all()
        return engine.dialect.name, statement, "\n".join(str(r[-1]) for r in rows)
    finally:
        await engine.dispose()


@pytest.mark.parametrize(("what", "call", "indexes", "ordered"), PLANS + PG_ONLY_PLANS,
                         ids=[p[0] for p in PLANS + PG_ONLY_PLANS])
async def test_list_queries_use_their_index(migrated_url: str, what: str, call: ListCall,
                                            indexes: tuple[str, ...], ordered: bool) -> None:
    """The SQL the service really sends, explained by the database itself."""
    if what in dict((p[0], p) for p in PG_ONLY_PLANS) and migrated_url.startswith("sqlite"):
        pytest.skip("SQLite has no index for a substring search (PostgreSQL: pg_trgm)")
    dialect, statement, plan = await _explained_page_query(migrated_url, call)
    assert any(index in plan for index in indexes), f"{what}: {statement}\n{plan}"
    if dialect == "sqlite":
        assert not re.search(r"SCAN \w+$", plan, re.M), plan  # a table scan, no index
        if ordered:
            assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
    elif ordered:
        assert not re.search(r"(?<!Incremental )Sort ", plan), plan
