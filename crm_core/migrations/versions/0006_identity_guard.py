"""identity guard

Failed identity checks counted per email and per client across conversations, with
lockouts (``crm_core.services.identity_guard``). Keys are stored as SHA-256 hashes.

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


def downgrade() -> None:
    op.drop_table('identity_guards')
