"""Customers and the catalogue: lookups, creation, updates, the customer 360 view."""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from crm_core.domain.enums import CustomerTier
from crm_core.errors import CustomerNotFound, DuplicateKey, InvalidInput, ProductNotFound
from crm_core.models import Customer, Product, utcnow
from crm_core.repositories import Customer360, Page, normalize_email, normalize_phone
from crm_core.services import audit, checks
from crm_core.services.checks import UNSET, Unset
from crm_core.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class NewCustomer:
    """Fields of a customer to create (validated at the edge, normalised here)."""

    name: str
    email: str | None = None
    phone: str | None = None
    country: str | None = None
    preferred_language: str = "en"
    tier: CustomerTier = CustomerTier.STANDARD
    consent_marketing: bool = False
    consent_data_processing: bool = True


@dataclass(frozen=True, slots=True)
class CustomerChanges:
    """A partial update: only fields that are not None change."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    country: str | None = None
    preferred_language: str | None = None
    tier: CustomerTier | None = None
    consent_marketing: bool | None = None
    consent_data_processing: bool | None = None


async def find_customer(uow: UnitOfWork, *, email: str | None = None,
                        phone: str | None = None) -> Customer:
    """The customer with this email, else with this phone; ``CustomerNotFound`` if none."""
    if not (email or phone):
        raise InvalidInput("give an email or a phone number",
                           details={"fields": ["email", "phone"]})
    async with uow:
        customer = await uow.customers.get_by_email(email) if email else None
        if customer is None and phone:
            customer = await uow.customers.get_by_phone(phone)
    if customer is None:
        raise CustomerNotFound(email or phone)
    return customer


async def identify_by_order(uow: UnitOfWork, email: str, order_number: str) -> Customer:
    """The customer proven by an email on file plus the number of one of their orders.
    ``CustomerNotFound`` alike for an unknown email, an unknown order and someone else's
    order, so the answer tells a stranger nothing."""
    async with uow:
        customer = await uow.customers.get_by_email_and_order(email, order_number)
    if customer is None:
        raise CustomerNotFound(email)
    return customer


async def get_customer(uow: UnitOfWork, customer_id: int) -> Customer:
    """The customer with this id; ``CustomerNotFound`` if none."""
    async with uow:
        customer = await uow.customers.get(customer_id)
    if customer is None:
        raise CustomerNotFound(customer_id)
    return customer


async def list_customers(uow: UnitOfWork, *, q: str | None = None, name: str | None = None,
                         email: str | None = None, phone: str | None = None,
                         country: str | None = None, tier: CustomerTier | None = None,
                         limit: int = 50, offset: int = 0, cursor: str | None = None,
                         held_by: int | None = None) -> Page[Customer]:
    """Customers matching every given filter, by id: ``q`` is part of the name, email or
    phone; ``name`` part of the name; ``email`` / ``phone`` exact (case and punctuation
    ignored); ``held_by`` keeps the customers that agent holds (``services.access``).
    Pages by ``offset`` or by the ``next_cursor`` of the previous page."""
    async with uow:
        return await uow.customers.list(q=q, name=name, email=email, phone=phone,
                                        country=country, tier=tier, limit=limit,
                                        offset=offset, cursor=cursor, held_by=held_by)


async def customer_360(uow: UnitOfWork, customer_id: int) -> Customer360:
    """Customer + last 10 orders + open tickets; ``CustomerNotFound`` if none."""
    async with uow:
        view = await uow.customers.customer_360(customer_id)
    if view is None:
        raise CustomerNotFound(customer_id)
    return view


_MAX = {"name": 200, "email": 320, "phone": 32, "country": 64, "preferred_language": 16}


def _clean(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    value = checks.text(field, value, _MAX[field], required=field == "name")
    if value is None:
        return None
    if field == "email":
        value = normalize_email(value)
        if "@" not in value or value.startswith("@") or value.endswith("@"):
            raise InvalidInput(f"not an email address: {value!r}",
                               details={"field": "email", "value": value})
    elif field == "phone":
        value = normalize_phone(value)
        if len(value.lstrip("+")) < 5:
            raise InvalidInput(f"not a phone number: {value!r}",
                               details={"field": "phone", "value": value})
    return value


async def _check_email_free(uow: UnitOfWork, email: str | None, own_id: int | None) -> None:
    if email:
        other = await uow.customers.get_by_email(email)
        if other is not None and other.id != own_id:
            raise DuplicateKey("customer", "email", email)


async def create_customer(uow: UnitOfWork, data: NewCustomer, *, actor: str) -> Customer:
    """Create a customer; ``DuplicateKey`` if the email is taken."""
    email, phone = _clean("email", data.email), _clean("phone", data.phone)
    async with uow:
        await _check_email_free(uow, email, None)
        customer = Customer(
            name=_clean("name", data.name), email=email, phone=phone,
            country=_clean("country", data.country),
            preferred_language=_clean("preferred_language", data.preferred_language) or "en",
            tier=CustomerTier(data.tier),
            consent_marketing=data.consent_marketing,
            consent_data_processing=data.consent_data_processing,
        )
        uow.customers.add(customer)
        await uow.flush()
        audit.record(uow, actor, "customer.create", "customer", customer.id)
        await uow.commit()
    return customer


async def update_customer(uow: UnitOfWork, customer_id: int, changes: CustomerChanges, *,
                          actor: str) -> Customer:
    """Apply the non-None fields of ``changes``; ``DuplicateKey`` if the new email is taken."""
    async with uow:
        customer = await uow.customers.get(customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        changed: dict[str, object] = {}
        for f in fields(changes):
            value = getattr(changes, f.name)
            if value is None:
                continue
            if f.name in _MAX:
                value = _clean(f.name, value)
            if f.name == "email":
                await _check_email_free(uow, value, customer_id)
            if getattr(customer, f.name) != value:
                setattr(customer, f.name, value)
                changed[f.name] = str(value)
        if changed:
            customer.updated_at = utcnow()
            audit.record(uow, actor, "customer.update", "customer", customer_id, changed)
            await uow.commit()
    return customer


# --- catalogue -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewProduct:
    """Fields of a product to create."""

    sku: str
    name: str
    price: Decimal
    category: str | None = None
    description: str | None = None
    stock: int = 0
    rebuyable: bool = False


@dataclass(frozen=True, slots=True)
class ProductChanges:
    """A partial update of a product: ``UNSET`` fields stay; ``None`` clears the optional
    ``description`` and ``category`` and is refused for the others."""

    name: str | None | Unset = UNSET
    description: str | None | Unset = UNSET
    category: str | None | Unset = UNSET
    price: Decimal | None | Unset = UNSET
    stock: int | None | Unset = UNSET
    rebuyable: bool | None | Unset = UNSET
    active: bool | None | Unset = UNSET


_PRODUCT_REQUIRED = ("name", "price", "stock", "rebuyable", "active")


def _clean_product_changes(changes: ProductChanges) -> dict[str, object]:
    values = checks.sent(changes)
    checks.no_nulls("product", values, _PRODUCT_REQUIRED)
    for field, max_len in (("name", 300), ("category", 64)):
        if field in values:
            values[field] = checks.text(field, values[field], max_len,
                                        required=field == "name")
    if any(values.get(k) is not None and values[k] < 0 for k in ("price", "stock")):
        raise InvalidInput("price and stock must not be negative",
                           details={k: str(values[k]) for k in ("price", "stock")
                                    if k in values})
    return values


async def update_product(uow: UnitOfWork, product_id: int, changes: ProductChanges, *,
                         actor: str) -> Product:
    """Apply the sent fields of ``changes``; ``ProductNotFound`` if none, ``InvalidInput``
    for a null required field or a negative price or stock. Audited when anything changed."""
    values = _clean_product_changes(changes)
    async with uow:
        product = await uow.products.get(product_id)
        if product is None:
            raise ProductNotFound(product_id)
        changed = {}
        for name, value in values.items():
            if getattr(product, name) != value:
                setattr(product, name, value)
                changed[name] = str(value)
        if changed:
            audit.record(uow, actor, "product.update", "product", product_id, changed)
            await uow.commit()
    return product


async def get_product(uow: UnitOfWork, *, product_id: int | None = None,
                      sku: str | None = None) -> Product:
    """The product by id or SKU; ``ProductNotFound`` if none."""
    async with uow:
        product = (await uow.products.get(product_id) if product_id is not None
                   else await uow.products.get_by_sku(sku or ""))
    if product is None:
        raise ProductNotFound(product_id if product_id is not None else sku)
    return product


async def list_products(uow: UnitOfWork, *, q: str | None = None, category: str | None = None,
                        limit: int = 50, offset: int = 0) -> Page[Product]:
    """Active products matching the filters, by id."""
    async with uow:
        return await uow.products.list(q=q, category=category, limit=limit, offset=offset)


async def create_product(uow: UnitOfWork, data: NewProduct, *, actor: str) -> Product:
    """Create a product; ``DuplicateKey`` if the SKU exists, ``InvalidInput`` on a bad price."""
    sku = checks.text("sku", data.sku, 64, required=True)
    name = checks.text("name", data.name, 300, required=True)
    category = checks.text("category", data.category, 64)
    if data.price < 0 or data.stock < 0:
        raise InvalidInput("price and stock must not be negative",
                           details={"price": str(data.price), "stock": data.stock})
    async with uow:
        if await uow.products.get_by_sku(sku) is not None:
            raise DuplicateKey("product", "sku", sku)
        product = Product(sku=sku, name=name, price=data.price,
                          category=category, description=data.description,
                          stock=data.stock, rebuyable=data.rebuyable)
        uow.products.add(product)
        await uow.flush()
        audit.record(uow, actor, "product.create", "product", product.id)
        await uow.commit()
    return product
