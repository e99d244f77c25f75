"""list filter indexes

An index for every filter of the REST lists that had none, in the order the list pages
by (keyset pagination: ``customers`` by id, ``orders`` by placed_at/id, ``tickets`` by
created_at/id, newest first), and for the audit log's ``entity_id`` filter:

* customers: country, tier (each with id); name by substring: a pg_trgm GIN index on
  PostgreSQL (``CREATE EXTENSION pg_trgm``: a trusted extension since PostgreSQL 13, so
  the database owner may create it), a plain index on SQLite, which scans for a
  substring whatever the index; products: name by substring, likewise;
* orders: placed_at, id (the unfiltered list; customer and status already had theirs);
* tickets: created_at, id; status, created_at, id; priority, created_at, id;
* audit_log: entity_id.

Revision ID: 0005_list_indexes
Revises: 0004_dialogue_events
Create Date: 2026-11-22 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0005_list_indexes'
down_revision: str | None = '0004_dialogue_events'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PLAIN = [
    ('ix_customers_country_id', 'customers', ['country', 'id']),
    ('ix_customers_tier_id', 'customers', ['tier', 'id']),
    ('ix_orders_placed_id', 'orders', ['placed_at', 'id']),
    ('ix_tickets_created_id', 'tickets', ['created_at', 'id']),
    ('ix_tickets_status_created', 'tickets', ['status', 'created_at', 'id']),
    ('ix_tickets_priority_created', 'tickets', ['priority', 'created_at', 'id']),
    ('ix_audit_log_entity_id', 'audit_log', ['entity_id']),
]

# Tables searched by part of ``name``.
_TRIGRAM = ['customers', 'products']


def upgrade() -> None:
    for name, table, columns in _PLAIN:
        op.create_index(name, table, columns, unique=False)
    postgres = op.get_bind().dialect.name == 'postgresql'
    if postgres:
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for table in _TRIGRAM:
        if postgres:
            op.create_index(f'ix_{table}_name_trgm', table, ['name'], unique=False,
                            postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
        else:
            op.create_index(f'ix_{table}_name_trgm', table, ['name'], unique=False)


def downgrade() -> None:
    # The pg_trgm extension stays: other objects may use it by now.
    for table in reversed(_TRIGRAM):
        op.drop_index(f'ix_{table}_name_trgm', table_name=table)
    for name, table, _ in reversed(_PLAIN):
        op.drop_index(name, table_name=table)
