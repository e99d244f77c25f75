"""agent token version

``agents.token_version``: every agent token carries the version it was signed with; a
password change or disabling the agent bumps it, so tokens signed before stop working at
once (``bot.gateway.auth``). Existing agents start at 0, the version a token without the
claim is read as.

Revision ID: 0009_agent_token_version
Revises: 0008_pii_encryption
Create Date: 2026-12-07 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_agent_token_version'
down_revision: str | None = '0008_pii_encryption'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_version', sa.Integer(), nullable=False,
                                      server_default=sa.text('0')))


def downgrade() -> None:
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_column('token_version')
