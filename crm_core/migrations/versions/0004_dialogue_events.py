"""dialogue events (the tracker store)

``dialogue_events``: the dialogue engine's Rasa-style tracker events, one row per event,
by conversation (``bot.dialogue.store_sql``). Until this revision the app created the
table itself at start-up (without a foreign key); a database that already has it keeps
its rows: events of conversations that no longer exist are dropped, then the table gets
its foreign key (cascading deletes with the conversation) and the naming convention's
primary-key name.

Revision ID: 0004_dialogue_events
Revises: 0003_agent_team
Create Date: 2026-11-22 07:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004_dialogue_events'
down_revision: str | None = '0003_agent_team'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = 'dialogue_events'
FK_NAME = 'fk_dialogue_events_conversation_id_conversations'
INDEX = 'ix_dialogue_events_conversation_id'


def upgrade() -> None:
    bind = op.get_bind()
    if sa.inspect(bind).has_table(TABLE):
        _adopt(bind)
        return
    op.create_table(
        TABLE,
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f(FK_NAME),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dialogue_events')),
    )
    op.create_index(INDEX, TABLE, ['conversation_id'], unique=False)


def _adopt(bind: sa.engine.Connection) -> None:
    """Bring a table created by an older kefu at start-up under the migrations."""
    op.execute(sa.text(
        f"DELETE FROM {TABLE} WHERE conversation_id NOT IN (SELECT id FROM conversations)"))
    inspector = sa.inspect(bind)
    if not any(ix['name'] == INDEX for ix in inspector.get_indexes(TABLE)):
        op.create_index(INDEX, TABLE, ['conversation_id'], unique=False)
    pk_name = inspector.get_pk_constraint(TABLE).get('name')
    if bind.dialect.name == 'postgresql' and pk_name and pk_name != 'pk_dialogue_events':
        op.execute(sa.text(f'ALTER TABLE {TABLE} RENAME CONSTRAINT "{pk_name}" '
                           'TO pk_dialogue_events'))
    with op.batch_alter_table(TABLE) as batch:  # SQLite: copies the table
        batch.create_foreign_key(FK_NAME, 'conversations', ['conversation_id'], ['id'],
                                 ondelete='CASCADE')


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    op.drop_table(TABLE)
