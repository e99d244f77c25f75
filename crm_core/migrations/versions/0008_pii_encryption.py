"""pii encryption

Customers' name, email and phone and orders' shipping address are encrypted at rest
(AES-256-GCM, ``crm_core.crypto``); email and phone get blind-index columns (HMAC-SHA256
of the normalised value) for exact lookups, the unique constraint moves from ``email`` to
``email_bidx``. The trigram index on the name goes (a ciphertext has no substrings to
index). Existing rows are encrypted in place with the active key.

Revision ID: 0008_pii_encryption
Revises: 0006_identity_guard (the head on main when written)
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_pii_encryption'
down_revision: str | None = '0006_identity_guard'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 1000


def _reencrypt(encrypt: bool) -> None:
    from crm_core.crypto import get_keyring
    from crm_core.models.customers import normalize_email, normalize_phone

    ring = get_keyring()
    conn = op.get_bind()
    customers = sa.table('customers', sa.column('id', sa.Integer), sa.column('name', sa.Text),
                         sa.column('email', sa.Text), sa.column('phone', sa.Text),
                         sa.column('email_bidx', sa.String), sa.column('phone_bidx', sa.String))
    orders = sa.table('orders', sa.column('id', sa.Integer),
                      sa.column('shipping_address', sa.Text))

    def conv(v: str | None) -> str | None:
        if v is None:
            return None
        plain = ring.decrypt(v)
        return ring.encrypt(plain) if encrypt else plain

    rows = conn.execute(sa.select(customers.c.id, customers.c.name, customers.c.email,
                                  customers.c.phone)).all()
    for start in range(0, len(rows), _CHUNK):
        batch = []
        for cid, name, email, phone in rows[start:start + _CHUNK]:
            e, p = (ring.decrypt(email) if email else None), (ring.decrypt(phone) if phone else None)
            batch.append({'b_id': cid, 'name': conv(name), 'email': conv(email),
                          'phone': conv(phone),
                          'email_bidx': ring.blind_index(normalize_email(e)) if e and encrypt else None,
                          'phone_bidx': ring.blind_index(normalize_phone(p)) if p and encrypt else None})
        if batch:
            conn.execute(customers.update().where(customers.c.id == sa.bindparam('b_id')), batch)
    rows = conn.execute(sa.select(orders.c.id, orders.c.shipping_address)
                        .where(orders.c.shipping_address.is_not(None))).all()
    for start in range(0, len(rows), _CHUNK):
        batch = [{'b_id': oid, 'shipping_address': conv(a)} for oid, a in rows[start:start + _CHUNK]]
        if batch:
            conn.execute(orders.update().where(orders.c.id == sa.bindparam('b_id')), batch)


def upgrade() -> None:
    op.execute('DROP INDEX IF EXISTS ix_customers_name_trgm')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint('uq_customers_email', type_='unique')
        batch_op.drop_index('ix_customers_phone')
        batch_op.alter_column('name', type_=sa.Text(), existing_nullable=False)
        batch_op.alter_column('email', type_=sa.Text(), existing_nullable=True)
        batch_op.alter_column('phone', type_=sa.Text(), existing_nullable=True)
        batch_op.add_column(sa.Column('email_bidx', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('phone_bidx', sa.String(length=64), nullable=True))
    _reencrypt(True)
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_customers_email_bidx', ['email_bidx'])
        batch_op.create_index('ix_customers_phone_bidx', ['phone_bidx'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        # The plaintext the rows held is in free pages now: rewrite the file without them.
        with op.get_context().autocommit_block():
            op.execute('VACUUM')


def downgrade() -> None:
    _reencrypt(False)
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_phone_bidx')
        batch_op.drop_constraint('uq_customers_email_bidx', type_='unique')
        batch_op.drop_column('phone_bidx')
        batch_op.drop_column('email_bidx')
        batch_op.alter_column('name', type_=sa.String(length=200), existing_nullable=False)
        batch_op.alter_column('email', type_=sa.String(length=320), existing_nullable=True)
        batch_op.alter_column('phone', type_=sa.String(length=32), existing_nullable=True)
        batch_op.create_unique_constraint('uq_customers_email', ['email'])
        batch_op.create_index('ix_customers_phone', ['phone'], unique=False)
    op.create_index('ix_customers_name_trgm', 'customers', ['name'], unique=False,
                    postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
