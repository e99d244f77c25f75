"""knowledge base

Help-center articles (``crm_core.services.articles``): Markdown body, unique slug,
category, language, draft/published, author, view and helpful counts. The bot's
retrieval index polls ``max(updated_at)`` (indexed) to pick up changes within seconds.

Revision ID: 0010_knowledge_base
Revises: 0009_agent_token_version
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_knowledge_base'
down_revision: str | None = '0009_agent_token_version'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'articles',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('slug', sa.String(length=120), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('category', sa.String(length=64), nullable=False),
        sa.Column('language', sa.Enum('en', 'zh', name='articlelanguage', native_enum=False,
                                      create_constraint=False, length=8), nullable=False),
        sa.Column('status', sa.Enum('draft', 'published', name='articlestatus',
                                    native_enum=False, create_constraint=False, length=16),
                  nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('views', sa.Integer(), nullable=False),
        sa.Column('helpful_yes', sa.Integer(), nullable=False),
        sa.Column('helpful_no', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['agents.id'],
                                name=op.f('fk_articles_author_id_agents'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
        sa.UniqueConstraint('slug', name=op.f('uq_articles_slug')),
    )
    op.create_index(op.f('ix_articles_author_id'), 'articles', ['author_id'], unique=False)
    op.create_index('ix_articles_status_language', 'articles', ['status', 'language'],
                    unique=False)
    op.create_index('ix_articles_updated_at', 'articles', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_articles_updated_at', table_name='articles')
    op.drop_index('ix_articles_status_language', table_name='articles')
    op.drop_index(op.f('ix_articles_author_id'), table_name='articles')
    op.drop_table('articles')
