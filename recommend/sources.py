"""An in-memory :class:`~recommend.service.PurchaseSource` over a purchase log.

Used by tests, the benchmark and ``kefu recommend show --transactions``; the server uses
:class:`recommend.crm_source.CrmPurchaseSource`.
"""

from __future__ import annotations

from recommend.data import PurchaseLog
from recommend.ranking import Catalogue, CatalogueItem, CustomerHistory


class MemoryPurchaseSource:
    """Purchases and catalogue held in memory (every product in stock unless given)."""

    def __init__(self, log: PurchaseLog, catalogue: Catalogue | None = None) -> None:
        self._log = log
        frame = log.frame
        self._histories: dict[str, CustomerHistory] = {}
        countries = log.customer_countries()
        # Like the CRM query: each product once, with its latest purchase time.
        latest = frame.drop_duplicates(["customer", "product"], keep="last")
        for customer, group in latest.groupby("customer", sort=False):
            self._histories[str(customer)] = CustomerHistory(
                customer_id=customer, product_ids=list(group["product"]),
                times=group["time"].to_numpy(dtype="datetime64[ns]"),
                country=countries.get(customer) or None,
                segment=(str(group["segment"].iloc[-1]) or None) if "segment" in group else None,
            )
        if catalogue is None:
            names = frame.drop_duplicates("product", keep="last")["product"]
            catalogue = Catalogue.of([CatalogueItem(p, p) for p in names])
        self._catalogue = catalogue

    async def customer_history(self, customer_id: int | str) -> CustomerHistory | None:
        """The customer's purchases, or None when unknown."""
        return self._histories.get(str(customer_id))

    async def catalogue(self) -> Catalogue:
        """The fixed catalogue."""
        return self._catalogue

    async def purchase_log(self) -> PurchaseLog:
        """The whole log."""
        return self._log
