"""``kefu import online-retail PATH``: the UCI Online Retail CSV (gzip accepted).

Columns: InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID,
Country. Mapping:

* customers: one per CustomerID (``external_ref`` "online-retail:<id>", country; the data
  set has no names or e-mails, so the name is "Online Retail customer <id>");
* products: one per StockCode (sku), first non-empty Description, first positive UnitPrice;
* orders: one per InvoiceNo (the order number), its rows as lines, status ``delivered``,
  placed and paid at InvoiceDate (shipping and delivery dates are not in the data).

Skipped, counted in the summary but not errors: guest rows (no CustomerID: their products
enter the catalogue, their invoices do not become orders because an order needs a
customer), credit notes (InvoiceNo starting with "C": cancellations of other invoices),
and stock adjustments (quantity <= 0 or price 0 on a normal invoice). Bad rows (unparsable
numbers or dates, missing codes, an invoice split across customers) are reported with their
line number and skipped. Invoices and customers already present are left alone, so a
second run adds nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_core.bulk import insert_rows, next_id, reset_sequences
from crm_core.db import create_engine
from crm_core.domain.enums import CustomerTier, OrderStatus
from crm_core.errors import InvalidInput
from crm_core.models import Customer, Order, Product, utcnow

REF_PREFIX = "online-retail:"
COLUMNS = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
           "CustomerID", "Country")
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M")
_CENT = Decimal("0.01")


@dataclass
class ImportReport:
    """What an import did; ``bad_rows`` holds (line number, reason)."""

    rows: int = 0
    customers_added: int = 0
    customers_existing: int = 0
    products_added: int = 0
    orders_added: int = 0
    orders_existing: int = 0
    lines_added: int = 0
    guest_rows: int = 0
    credit_note_rows: int = 0
    adjustment_rows: int = 0
    bad_rows: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Invoice:
    number: str
    customer_ref: str
    placed_at: datetime
    first_line: int
    lines: list[tuple[str, int, Decimal]] = field(default_factory=list)  # sku, qty, price


class _BadRow(ValueError):
    pass


def open_text(path: Path) -> io.TextIOBase:
    """The file as text, gunzipped when it starts with the gzip magic bytes."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace",
                                newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")


@lru_cache(maxsize=4096)
def _date(text: str) -> datetime:
    """Parse an InvoiceDate (cached: all rows of an invoice share it, strptime is slow)."""
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise _BadRow(f"unreadable InvoiceDate {text!r}")


def _number(kind: type, text: str, column: str) -> Any:
    try:
        return kind(text.strip())
    except (ValueError, InvalidOperation):
        raise _BadRow(f"unreadable {column} {text!r}") from None


def _customer_ref(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    value = _number(float, text, "CustomerID")  # the file writes "17850" or "17850.0"
    if value != int(value) or value <= 0:
        raise _BadRow(f"unreadable CustomerID {text!r}")
    return f"{REF_PREFIX}{int(value)}"


def read_rows(fh: io.TextIOBase) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row; ``InvalidInput`` when the header is wrong."""
    reader = csv.DictReader(fh)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"not an Online Retail CSV: missing columns {missing}",
                           details={"missing": missing})
    for row in reader:
        yield reader.line_num, row


class _Collector:
    """Folds rows into customers, products and invoices, counting what it skips."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.customers: dict[str, str] = {}  # ref -> country
        self.products: dict[str, dict[str, Any]] = {}  # sku -> {name, price}
        self.invoices: dict[str, _Invoice] = {}
        self.bad_invoices: set[str] = set()

    def add(self, line: int, row: dict[str, str]) -> None:
        number, sku = (row["InvoiceNo"] or "").strip(), (row["StockCode"] or "").strip()
        if not number or not sku:
            raise _BadRow("missing InvoiceNo or StockCode")
        quantity = _number(int, row["Quantity"] or "", "Quantity")
        price = _number(Decimal, row["UnitPrice"] or "", "UnitPrice")
        placed_at = _date(row["InvoiceDate"] or "")
        ref = _customer_ref(row["CustomerID"] or "")
        if price < 0:
            raise _BadRow(f"negative UnitPrice {price}")
        self._product(sku, (row["Description"] or "").strip(), price)
        if number.upper().startswith("C"):
            self.report.credit_note_rows += 1
        elif ref is None:
            self.report.guest_rows += 1
        elif quantity <= 0 or price == 0:
            self.report.adjustment_rows += 1
        else:
            self._line(line, number, ref, (row["Country"] or "").strip(), placed_at,
                       sku, quantity, price)

    def _product(self, sku: str, name: str, price: Decimal) -> None:
        product = self.products.setdefault(sku, {"name": "", "price": Decimal("0")})
        if name and not product["name"]:
            product["name"] = name
        if price > 0 and product["price"] == 0:
            product["price"] = price.quantize(_CENT, ROUND_HALF_UP)

    def _line(self, line: int, number: str, ref: str, country: str, placed_at: datetime,
              sku: str, quantity: int, price: Decimal) -> None:
        self.customers.setdefault(ref, country)
        invoice = self.invoices.setdefault(number, _Invoice(number, ref, placed_at, line))
        if invoice.customer_ref != ref:
            self.bad_invoices.add(number)
            raise _BadRow(f"invoice {number} belongs to two customers")
        invoice.lines.append((sku, quantity, price.quantize(_CENT, ROUND_HALF_UP)))


def collect(fh: io.TextIOBase, report: ImportReport, progress: Any = None) -> _Collector:
    """Parse every row (bad ones recorded in ``report``)."""
    collector = _Collector(report)
    for line, row in read_rows(fh):
        report.rows += 1
        if progress is not None and report.rows % 5000 == 0:
            progress.update(5000)
        try:
            collector.add(line, row)
        except _BadRow as exc:
            report.bad_rows.append((line, str(exc)))
    if progress is not None:
        progress.update(report.rows % 5000)
    for number in collector.bad_invoices:
        collector.invoices.pop(number, None)
    return collector


async def _existing(conn: AsyncConnection, column: Any, values: list[str]) -> dict[str, int]:
    """Map of natural key -> id for the keys already in the database."""
    found: dict[str, int] = {}
    table_id = column.class_.id
    for start in range(0, len(values), 900):  # SQLite caps bound parameters per statement
        rows = await conn.execute(select(column, table_id).where(
            column.in_(values[start:start + 900])))
        found.update({key: id_ for key, id_ in rows})
    return found


async def write(conn: AsyncConnection, data: _Collector, report: ImportReport,
                progress: Any = None) -> None:
    """Insert what is new (customers, products, orders, lines) with explicit ids."""
    now = utcnow()
    customer_ids = await _existing(conn, Customer.external_ref, list(data.customers))
    report.customers_existing = len(customer_ids)
    new_customers = []
    next_customer = await next_id(conn, "customers")
    for ref, country in data.customers.items():
        if ref not in customer_ids:
            customer_ids[ref] = next_customer
            new_customers.append({
                "id": next_customer, "name": f"Online Retail customer {ref[len(REF_PREFIX):]}",
                "country": country or None, "preferred_language": "en",
                "tier": CustomerTier.STANDARD, "consent_marketing": False,
                "consent_data_processing": True, "external_ref": ref,
                "created_at": now, "updated_at": now})
            next_customer += 1
    report.customers_added = await insert_rows(conn, "customers", new_customers)

    product_ids = await _existing(conn, Product.sku, list(data.products))
    new_products, next_product = [], await next_id(conn, "products")
    for sku, info in data.products.items():
        if sku not in product_ids:
            product_ids[sku] = next_product
            new_products.append({
                "id": next_product, "sku": sku, "name": (info["name"] or sku)[:300],
                "price": info["price"], "stock": 0, "rebuyable": False, "active": True,
                "created_at": now})
            next_product += 1
    report.products_added = await insert_rows(conn, "products", new_products)

    existing_orders = await _existing(conn, Order.number, list(data.invoices))
    report.orders_existing = len(existing_orders)
    orders, lines = [], []
    order_id, line_id = await next_id(conn, "orders"), await next_id(conn, "order_lines")
    for invoice in sorted(data.invoices.values(), key=lambda i: (i.placed_at, i.first_line)):
        if invoice.number in existing_orders:
            continue
        total = sum((price * qty for _, qty, price in invoice.lines), Decimal("0"))
        orders.append({
            "id": order_id, "number": invoice.number,
            "customer_id": customer_ids[invoice.customer_ref],
            "status": OrderStatus.DELIVERED, "currency": "GBP", "total": total,
            "placed_at": invoice.placed_at, "paid_at": invoice.placed_at})
        for sku, qty, price in invoice.lines:
            lines.append({"id": line_id, "order_id": order_id, "product_id": product_ids[sku],
                          "quantity": qty, "unit_price": price})
            line_id += 1
        order_id += 1
    report.orders_added = await insert_rows(conn, "orders", orders)
    if progress is not None:
        progress.total = len(lines)
        progress.refresh()
    for start in range(0, len(lines), 20_000):
        chunk = lines[start:start + 20_000]
        await insert_rows(conn, "order_lines", chunk)
        if progress is not None:
            progress.update(len(chunk))
    report.lines_added = len(lines)
    await reset_sequences(conn, ["customers", "products", "orders", "order_lines"])


async def import_online_retail(url: str, path: Path, *, show_progress: bool = True
                               ) -> ImportReport:
    """Import the CSV at ``path`` into the (migrated) database at ``url``, all or nothing."""
    from tqdm import tqdm

    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", details={"path": str(path)})
    from crm_core.schema import ensure_current

    await ensure_current(url)  # a clear "run kefu db upgrade" rather than "no such table"
    report = ImportReport()
    with open_text(path) as fh, tqdm(desc="reading", unit=" rows", unit_scale=True,
                                     disable=not show_progress) as bar:
        data = collect(fh, report, bar)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            with tqdm(desc="writing", unit=" lines", unit_scale=True,
                      disable=not show_progress) as bar:
                await write(conn, data, report, bar)
    finally:
        await engine.dispose()
    return report
