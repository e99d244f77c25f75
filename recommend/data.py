"""Purchase logs: reading Online Retail transaction files and building implicit feedback.

A :class:`PurchaseLog` is a cleaned table of order lines (one row per line) sorted by
time. Everything downstream (training, evaluation, serving) starts from one, whether it
came from a CSV file or from the CRM database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from crm_core.errors import InvalidInput

# Online Retail column names (UCI id 352), as the CLI contract requires.
RETAIL_COLUMNS = (
    "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
    "CustomerID", "Country",
)
LOG_COLUMNS = ("customer", "product", "order", "time", "quantity", "country")


@dataclass(frozen=True)
class PurchaseLog:
    """Cleaned order lines sorted by time: columns ``customer, product, order, time,
    quantity, country`` (ids as strings, ``time`` as datetime64)."""

    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    @classmethod
    def from_records(cls, records: list[tuple]) -> PurchaseLog:
        """Build from ``(customer, product, order, time, quantity, country)`` tuples."""
        frame = pd.DataFrame.from_records(records, columns=list(LOG_COLUMNS))
        return cls.from_frame(frame)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> PurchaseLog:
        """Normalise types and order; a stable sort keeps file order within a timestamp."""
        missing = set(LOG_COLUMNS) - set(frame.columns)
        if missing:
            raise InvalidInput("purchase log lacks columns", details={"missing": sorted(missing)})
        # An optional "segment" column (e.g. the CRM's customer tier) feeds cold start.
        extra = ["segment"] if "segment" in frame.columns else []
        frame = frame.loc[:, [*LOG_COLUMNS, *extra]].copy()
        for column in ("customer", "product", "order", "country", *extra):
            frame[column] = frame[column].astype(str)
        frame["time"] = pd.to_datetime(frame["time"])
        frame["quantity"] = frame["quantity"].astype(float)
        frame = frame.sort_values("time", kind="stable").reset_index(drop=True)
        return cls(frame)

    def content_hash(self) -> str:
        """A short hash of the data, stored with trained models to say what they saw."""
        digest = hashlib.sha256()
        hashed = pd.util.hash_pandas_object(self.frame, index=False).to_numpy()
        digest.update(hashed.tobytes())
        return digest.hexdigest()[:16]

    def customer_groups(self, customers: np.ndarray) -> np.ndarray:
        """Cold-start labels per customer: country, plus ``segment:<s>`` when known."""
        last = self.frame.drop_duplicates("customer", keep="last").set_index("customer")
        country = last["country"].reindex(customers).fillna("").to_numpy(dtype=object)
        if "segment" not in last.columns:
            return country
        segment = last["segment"].reindex(customers).fillna("").to_numpy(dtype=object)
        labelled = np.array([f"segment:{s}" if s else "" for s in segment], dtype=object)
        return np.column_stack([country, labelled])

    def customer_countries(self) -> dict[str, str]:
        """Each customer's country (their most recent line's)."""
        last = self.frame.drop_duplicates("customer", keep="last")
        return dict(zip(last["customer"], last["country"], strict=True))


def read_online_retail(path: str | Path) -> PurchaseLog:
    """Read an Online Retail CSV (gzip accepted) and apply the recommendation cleaning:
    CustomerID present, Quantity > 0, UnitPrice > 0, StockCode starting with five digits."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"transactions file not found: {path}", details={"path": str(path)})
    try:
        # Gzip is recognised by its magic bytes, whatever the file is called.
        with path.open("rb") as head:
            gzipped = head.read(2) == b"\x1f\x8b"
        raw = pd.read_csv(
            path, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str, "Country": str},
            compression="gzip" if gzipped else None, keep_default_na=True,
        )
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", details={"path": str(path)}) from exc
    missing = [c for c in RETAIL_COLUMNS if c not in raw.columns and c != "Description"]
    if missing:
        raise InvalidInput(
            "not an Online Retail transactions file", details={"missing_columns": missing}
        )
    return clean_online_retail(raw)


def clean_online_retail(raw: pd.DataFrame) -> PurchaseLog:
    """Apply the data set README's cleaning to a raw Online Retail frame."""
    quantity = pd.to_numeric(raw["Quantity"], errors="coerce")
    price = pd.to_numeric(raw["UnitPrice"], errors="coerce")
    customer = raw["CustomerID"].astype("string").str.strip()
    # CustomerID is sometimes written as a float ("17850.0") by spreadsheet exports.
    customer = customer.str.replace(r"\.0$", "", regex=True)
    code = raw["StockCode"].astype("string").str.strip()
    keep = (
        customer.notna() & (customer != "")
        & (quantity > 0) & (price > 0)
        & code.str.match(r"^\d{5}").fillna(False).astype(bool)
    )
    kept = raw.loc[keep]
    frame = pd.DataFrame({
        "customer": customer[keep].astype(str).to_numpy(),
        "product": code[keep].astype(str).to_numpy(),
        "order": kept["InvoiceNo"].astype(str).to_numpy(),
        "time": pd.to_datetime(kept["InvoiceDate"], errors="coerce").to_numpy(),
        "quantity": quantity[keep].to_numpy(dtype=float),
        "country": kept["Country"].fillna("").astype(str).to_numpy(),
    })
    frame = frame.dropna(subset=["time"])
    if frame.empty:
        raise InvalidInput("no purchase lines left after cleaning")
    return PurchaseLog.from_frame(frame)


@dataclass(frozen=True)
class Interactions:
    """Implicit feedback: a customers x products sparse matrix and its id indexes."""

    matrix: sp.csr_matrix
    customers: np.ndarray
    products: np.ndarray

    def customer_index(self) -> dict[str, int]:
        """Row number of each customer id."""
        return {c: i for i, c in enumerate(self.customers)}

    def product_index(self) -> dict[str, int]:
        """Column number of each product id."""
        return {p: i for i, p in enumerate(self.products)}


def build_interactions(
    log: PurchaseLog, products: np.ndarray | None = None,
    customers: np.ndarray | None = None,
) -> Interactions:
    """Count distinct orders per (customer, product): repeat purchases weigh more.

    Models decide how to turn counts into weights (binary, log, ...); the counts are kept.
    """
    frame = log.frame
    if products is None:
        products = np.array(sorted(frame["product"].unique()), dtype=object)
    if customers is None:
        customers = np.array(sorted(frame["customer"].unique()), dtype=object)
    pairs = frame.drop_duplicates(["customer", "product", "order"])
    p_codes = pd.Categorical(pairs["product"], categories=products).codes
    c_codes = pd.Categorical(pairs["customer"], categories=customers).codes
    ok = (p_codes >= 0) & (c_codes >= 0)
    matrix = sp.csr_matrix(
        (np.ones(int(ok.sum()), dtype=np.float32), (c_codes[ok], p_codes[ok])),
        shape=(len(customers), len(products)),
    )
    matrix.sum_duplicates()
    return Interactions(matrix=matrix, customers=customers, products=products)
