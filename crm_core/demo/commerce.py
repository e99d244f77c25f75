"""Deterministic customers, products and orders for the demo (numpy ``Generator``).

Structure a recommender can find: each customer favours one or two categories, baskets
mix categories that go together (``Category.affinity``), each product has a companion it
is often bought with (a bundle), and consumables are bought again.
"""

from __future__ import annotations

from bisect import bisect
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

import numpy as np

from crm_core.demo import names
from crm_core.demo.catalog import CATEGORIES, CATEGORY_INDEX
from crm_core.domain.enums import CustomerTier, OrderStatus
from crm_core.services.orders import order_number

Row = dict[str, Any]
HISTORY_DAYS = 548  # 18 months
TIERS = (CustomerTier.STANDARD, CustomerTier.SILVER, CustomerTier.GOLD, CustomerTier.VIP)
TIER_P = (0.70, 0.18, 0.09, 0.03)


@dataclass
class Commerce:
    """Rows ready for bulk insert, plus what the support generator needs to know."""

    customers: list[Row] = field(default_factory=list)
    products: list[Row] = field(default_factory=list)
    orders: list[Row] = field(default_factory=list)
    order_lines: list[Row] = field(default_factory=list)
    zh_customers: set[int] = field(default_factory=set)


def _pick(cum: list[float], u: float) -> int:
    """Index drawn from cumulative weights ``cum`` with a uniform ``u`` (fast choice)."""
    return min(bisect(cum, u * cum[-1]), len(cum) - 1)


def make_products(rng: np.random.Generator, count: int) -> list[Row]:
    """About ``count`` products spread over the categories, with names, prices, stock."""
    rows: list[Row] = []
    per_cat = max(1, count // len(CATEGORIES))
    for cat in CATEGORIES:
        combos = [(i, v) for i in cat.items for v in cat.variants]
        chosen = rng.permutation(len(combos))[:per_cat]
        for j, k in enumerate(chosen):
            item, variant = combos[int(k)]
            low, high = cat.price
            price = float(np.exp(rng.uniform(np.log(low), np.log(high))))
            rows.append({
                "id": len(rows) + 1, "sku": f"{cat.key[:3].upper()}-{j + 1:04d}",
                "name": f"{item}, {variant}", "category": cat.key,
                "description": f"{item} ({variant}) from our {cat.key} range.",
                "price": Decimal(f"{max(1, int(price))}.99"),
                "stock": 0 if rng.random() < 0.04 else int(rng.integers(5, 400)),
                "rebuyable": cat.rebuyable, "active": True,
            })
    return rows


def _person(rng: np.random.Generator, zh: bool, taken: set[str]) -> tuple[str, str, str]:
    """(name, email, phone) for one customer; emails are unique."""
    if zh:
        (sur, sur_py) = names.ZH_SURNAMES[int(rng.integers(len(names.ZH_SURNAMES)))]
        (giv, giv_py) = names.ZH_GIVEN[int(rng.integers(len(names.ZH_GIVEN)))]
        name, local = sur + giv, f"{giv_py}.{sur_py}"
        phone = f"+86138{int(rng.integers(10_000_000, 99_999_999))}"
    else:
        first = names.EN_FIRST[int(rng.integers(len(names.EN_FIRST)))]
        last = names.EN_LAST[int(rng.integers(len(names.EN_LAST)))]
        name, local = f"{first} {last}", f"{first}.{last}".lower().replace("'", "")
        phone = f"+1555{int(rng.integers(1_000_000, 9_999_999))}"
    email, n = f"{local}@example.com", 1
    while email in taken:
        n += 1
        email = f"{local}{n}@example.com"
    taken.add(email)
    return name, email, phone


def _address(rng: np.random.Generator, zh: bool, city: str) -> str:
    number = int(rng.integers(1, 300))
    if zh and city != "Singapore":
        return f"{city}{names.ZH_STREETS[int(rng.integers(len(names.ZH_STREETS)))]}{number}号"
    return f"{number} {names.EN_STREETS[int(rng.integers(len(names.EN_STREETS)))]}, {city}"


def make_customers(rng: np.random.Generator, count: int, start: datetime,
                   out: Commerce) -> list[tuple[str, bool]]:
    """Customers (about 40% Chinese-speaking); returns each one's (city, is_zh)."""
    taken: set[str] = set()
    places: list[tuple[str, bool]] = []
    tiers = rng.choice(len(TIERS), size=count, p=TIER_P)
    for i in range(count):
        zh = bool(rng.random() < 0.4)
        country, city = (names.ZH_PLACES if zh else names.EN_PLACES)[
            int(rng.integers(len(names.ZH_PLACES if zh else names.EN_PLACES)))]
        name, email, phone = _person(rng, zh, taken)
        created = start - timedelta(days=float(rng.uniform(0, 365))) + timedelta(
            days=float(rng.uniform(0, HISTORY_DAYS * 0.8)))
        out.customers.append({
            "id": i + 1, "name": name, "email": email, "phone": phone, "country": country,
            "preferred_language": "zh" if zh and country != "SG" else "en",
            "tier": TIERS[int(tiers[i])], "consent_marketing": bool(rng.random() < 0.55),
            "consent_data_processing": True, "created_at": created, "updated_at": created,
        })
        if zh:
            out.zh_customers.add(i + 1)
        places.append((city, zh))
    return places


class _Basket:
    """Draws basket contents for one customer from their taste and the catalogue."""

    def __init__(self, rng: np.random.Generator, products: list[Row]) -> None:
        self.rng = rng
        self.by_cat: dict[int, list[Row]] = {i: [] for i in range(len(CATEGORIES))}
        for p in products:
            self.by_cat[CATEGORY_INDEX[p["category"]]].append(p)
        # Popularity inside a category: a few best-sellers, a long tail.
        self.pop_cum = {c: list(accumulate(1 / (np.arange(len(ps)) + 1) ** 0.9))
                        for c, ps in self.by_cat.items()}
        self.companion: dict[int, Row] = {}
        for cat_i, cat in enumerate(CATEGORIES):
            for p in self.by_cat[cat_i]:
                partner = CATEGORY_INDEX[cat.affinity[int(rng.integers(len(cat.affinity)))]]
                options = self.by_cat[partner]
                self.companion[p["id"]] = options[int(rng.integers(min(8, len(options))))]

    def from_category(self, cat: int, u: float) -> Row:
        return self.by_cat[cat][_pick(self.pop_cum[cat], u)]

    def affine(self, product: Row, u: float) -> int:
        aff = CATEGORIES[CATEGORY_INDEX[product["category"]]].affinity
        return CATEGORY_INDEX[aff[min(int(u * len(aff)), len(aff) - 1)]]


def _status_times(u: list[float], placed: datetime, now: datetime) -> Row:
    """Status and timestamps for an order placed at ``placed``, as seen at ``now``
    (``u``: eight uniforms in [0, 1), drawn in bulk because per-call draws are slow)."""
    out: Row = {"status": OrderStatus.PENDING, "paid_at": None, "shipped_at": None,
                "delivered_at": None, "cancelled_at": None, "returned_at": None,
                "tracking_number": None}
    if u[0] < 0.04 and now - placed > timedelta(hours=6):
        out.update(status=OrderStatus.CANCELLED,
                   cancelled_at=placed + timedelta(hours=0.2 + 5 * u[1]))
        return out
    paid = placed + timedelta(minutes=1 + 89 * u[1])
    if paid > now:
        return out
    out.update(status=OrderStatus.PAID, paid_at=paid)
    shipped = paid + timedelta(hours=10 + 40 * u[2])
    if shipped > now:
        return out
    out.update(status=OrderStatus.SHIPPED, shipped_at=shipped,
               tracking_number=f"1Z{int(1e9 + u[3] * 8.9e9)}")
    delivered = shipped + timedelta(days=1 + 4 * u[4])
    if delivered > now:
        return out
    out.update(status=OrderStatus.DELIVERED, delivered_at=delivered)
    returned = delivered + timedelta(days=2 + 23 * u[5])
    if u[6] < 0.03 and returned <= now:
        out.update(status=OrderStatus.RETURNED, returned_at=returned)
    return out


def make_orders(rng: np.random.Generator, count: int, places: list[tuple[str, bool]],
                start: datetime, now: datetime, out: Commerce) -> None:
    """About ``count`` orders, skewed over customers (some buy a lot, some never)."""
    basket = _Basket(rng, out.products)
    n_cat = len(CATEGORIES)
    activity = rng.gamma(0.8, 1.0, size=len(out.customers))
    per_customer = rng.multinomial(count, activity / activity.sum())
    for cust, n_orders in zip(out.customers, per_customer, strict=True):
        if n_orders == 0:
            continue
        favs = rng.choice(n_cat, size=2, replace=False)
        taste = np.ones(n_cat)
        taste[favs[0]] += 10
        taste[favs[1]] += 5
        taste_cum = list(accumulate(taste))
        since = max(start, cust["created_at"])
        span = (now - since).total_seconds()
        moments = sorted(since + timedelta(seconds=float(s))
                         for s in rng.uniform(0, span, size=int(n_orders)))
        city, zh = places[cust["id"] - 1]
        address = _address(rng, zh, city)
        bought_again: list[Row] = []
        for placed in moments:
            _add_order(rng, basket, cust["id"], placed, now, address, taste_cum,
                       bought_again, out)


def _add_order(rng: np.random.Generator, basket: _Basket, customer_id: int,
               placed: datetime, now: datetime, address: str, taste_cum: list[float],
               bought_again: list[Row], out: Commerce) -> None:
    u = rng.random(20).tolist()
    items: dict[int, tuple[Row, int]] = {}
    if bought_again and u[0] < 0.3:
        first = bought_again[int(u[1] * len(bought_again)) % len(bought_again)]
    else:
        first = basket.from_category(_pick(taste_cum, u[1]), u[2])
    items[first["id"]] = (first, 1 + int(u[3] * 3) if first["rebuyable"] else 1)
    if u[4] < 0.45:  # the bundle partner
        partner = basket.companion[first["id"]]
        items.setdefault(partner["id"], (partner, 1))
    n_extra = 0 if u[8] < 0.5 else (1 if u[8] < 0.85 else 2 + int(u[9] * 2))
    for k in range(n_extra):
        cat = (basket.affine(first, u[10 + k]) if u[5 + k % 2] < 0.5
               else _pick(taste_cum, u[7 - k % 2]))
        extra = basket.from_category(cat, u[14 + k])
        items.setdefault(extra["id"], (extra, 1))
    order_id = len(out.orders) + 1
    total = Decimal("0")
    for product, qty in items.values():
        out.order_lines.append({"id": len(out.order_lines) + 1, "order_id": order_id,
                                "product_id": product["id"], "quantity": qty,
                                "unit_price": product["price"]})
        total += product["price"] * qty
        if product["rebuyable"] and all(p is not product for p in bought_again):
            bought_again.append(product)
    out.orders.append({"id": order_id, "number": order_number(order_id),
                       "customer_id": customer_id, "currency": "USD", "total": total,
                       "shipping_address": address, "placed_at": placed,
                       **_status_times(rng.random(8).tolist(), placed, now)})


def make_commerce(rng: np.random.Generator, now: datetime, *, customers: int = 3000,
                  products: int = 300, orders: int = 30_000) -> Commerce:
    """Customers, products and orders over the 18 months before ``now``."""
    out = Commerce()
    start = now - timedelta(days=HISTORY_DAYS)
    out.products = make_products(rng, products)
    places = make_customers(rng, customers, start, out)
    make_orders(rng, orders, places, start, now, out)
    # Orders were generated customer by customer: renumber by time so ids grow with dates.
    out.orders.sort(key=lambda o: (o["placed_at"], o["id"]))
    remap = {o["id"]: i + 1 for i, o in enumerate(out.orders)}
    for o in out.orders:
        o["id"] = remap[o["id"]]
        o["number"] = order_number(o["id"])
    for line in out.order_lines:
        line["order_id"] = remap[line["order_id"]]
    return out
