"""identity guard

Failed identity checks counted per email and per client across conversations, with
lockouts (``crm_core.services.identity_guard``). Keys are stored as SHA-256 hashes.
One-time codes (hashed) for the second factor before order changes.

Revision ID: 0006_identity_guard
Revises: 0005_list_indexes
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006_identity_guard'
down_revision: str | None = '0005_list_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'identity_guards',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lockouts', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_guards')),
        sa.UniqueConstraint('scope', 'key_hash', name=op.f('uq_identity_guards_scope')),
    )
    op.create_table(
        'one_time_codes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=32), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('salt', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_one_time_codes_customer_id_customers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_codes')),
    )
    op.create_index(op.f('ix_one_time_codes_customer_id'), 'one_time_codes', ['customer_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_one_time_codes_customer_id'), table_name='one_time_codes')
    op.drop_table('one_time_codes')
    op.drop_table('identity_guards')
