"""agent team

A nullable ``agents.team`` (e.g. "billing", "night shift") so service reports can be
grouped per team; agents not put in a team keep NULL.

Revision ID: 0003_agent_team
Revises: 0002_analytics
Create Date: 2026-11-22 07:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_agent_team'
down_revision: str | None = '0002_analytics'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agents') as batch:
        batch.add_column(sa.Column('team', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agents') as batch:
        batch.drop_column('team')
