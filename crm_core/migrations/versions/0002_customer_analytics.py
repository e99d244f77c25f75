"""customer analytics table

RFM, lifetime value, churn risk and cluster per customer (crm_core.analytics.models),
rewritten in bulk by ``kefu analytics refresh``.

Revision ID: 0002_analytics
Revises: 0001
Create Date: 2026-11-22 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002_analytics'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'customer_analytics',
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('recency_days', sa.Integer(), nullable=True),
        sa.Column('frequency', sa.Integer(), nullable=False),
        sa.Column('monetary', sa.Float(), nullable=False),
        sa.Column('r_score', sa.Integer(), nullable=True),
        sa.Column('f_score', sa.Integer(), nullable=True),
        sa.Column('m_score', sa.Integer(), nullable=True),
        sa.Column('segment', sa.String(length=32), nullable=False),
        sa.Column('clv_historical', sa.Float(), nullable=False),
        sa.Column('clv_12m', sa.Float(), nullable=True),
        sa.Column('churn_risk', sa.Float(), nullable=True),
        sa.Column('churn_reasons', sa.JSON().with_variant(
            postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
        sa.Column('cluster', sa.Integer(), nullable=True),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE',
                                name=op.f('fk_customer_analytics_customer_id_customers')),
        sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_analytics')),
    )
    op.create_index('ix_customer_analytics_segment', 'customer_analytics', ['segment'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_customer_analytics_segment', table_name='customer_analytics')
    op.drop_table('customer_analytics')
