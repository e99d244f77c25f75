"""Maintenance of PII at rest: re-encrypt every encrypted column under the active key
(``kefu db rotate-key``) and refresh the blind indexes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Text, select, update

from crm_core.crypto import get_keyring
from crm_core.db import create_engine
from crm_core.models import Customer, Order
from crm_core.models.customers import email_index, phone_index

CHUNK = 1000
_TEXT = Text()  # CAST(... AS TEXT): the stored ciphertext, not the decrypted value


@dataclass
class RotationReport:
    """How many values were re-encrypted, and the key ids they had before."""

    customers: int = 0
    orders: int = 0
    key_ids_before: Counter[str] = field(default_factory=Counter)


async def rotate_key(database_url: str) -> RotationReport:
    """Decrypt each PII value with whichever configured key wrote it and encrypt it with
    the active one; blind indexes are recomputed with the current index key. Runs in one
    transaction: a missing old key aborts without changing anything."""
    ring, report = get_keyring(), RotationReport()
    engine = create_engine(database_url)
    raw_c = Customer.__table__
    try:
        async with engine.begin() as conn:
            # Read the raw stored text (not the decrypted values) to count the key ids.
            rows = (await conn.execute(select(raw_c.c.id, raw_c.c.name.cast(_TEXT),
                                              raw_c.c.email.cast(_TEXT),
                                              raw_c.c.phone.cast(_TEXT)))).all()
            batch = []
            for cid, *vals in rows:
                for v in vals:
                    if v is not None:
                        report.key_ids_before[ring.key_id_of(v) or "(plaintext)"] += 1
                name, email, phone = (ring.decrypt(v) if v is not None else None for v in vals)
                batch.append({"id": cid, "name": name, "email": email, "phone": phone,
                              "email_bidx": email_index(email), "phone_bidx": phone_index(phone)})
            for start in range(0, len(batch), CHUNK):
                for row in batch[start:start + CHUNK]:
                    await conn.execute(update(raw_c).where(raw_c.c.id == row["id"])
                                       .values(**{k: v for k, v in row.items() if k != "id"}))
            report.customers = len(batch)
            raw_o = Order.__table__
            rows = (await conn.execute(select(raw_o.c.id, raw_o.c.shipping_address.cast(_TEXT))
                                       .where(raw_o.c.shipping_address.is_not(None)))).all()
            for oid, v in rows:
                report.key_ids_before[ring.key_id_of(v) or "(plaintext)"] += 1
                await conn.execute(update(raw_o).where(raw_o.c.id == oid)
                                   .values(shipping_address=ring.decrypt(v)))
            report.orders = len(rows)
    finally:
        await engine.dispose()
    return report

