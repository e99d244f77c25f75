"""Wire models of the REST API: what requests may carry and what responses contain.

Request models forbid unknown fields (``ApiModel``); response models read attributes of
whatever the services return (``from_attributes``), so a view never hand-builds a dict.
Money is a decimal string ("19.90") so no float rounding reaches a client.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AliasPath, BaseModel, ConfigDict, Field, StringConstraints

from bot.gateway.api.validation import MAX_ID, ApiModel, CursorPageQuery, PageQuery
from crm_core.domain import (
    AgentRole, Channel, CustomerTier, OrderStatus, Presence, Priority, TicketStatus,
)

Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
TeamName = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
# No whitespace or control characters, spelled out so the server's regex engine and a
# client's ECMA-262 one (the OpenAPI document's) agree on every character.
_EMAIL_PART = r"[^@\s\x00-\x1f\x7f-\x9f\ufeff]+"
Email = Annotated[str, StringConstraints(
    min_length=3, max_length=320, pattern=rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$",
    to_lower=True,
)]
Phone = Annotated[str, StringConstraints(min_length=3, max_length=32, pattern=r"^\+?[0-9 ()./-]+$")]
Language = Annotated[str, StringConstraints(min_length=2, max_length=16, pattern=r"^[A-Za-z-]+$")]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# 12 digits, 2 after the point: the maximum says so in the OpenAPI document too.
Price = Annotated[Decimal, Field(ge=0, le=Decimal("9999999999.99"), max_digits=12,
                                 decimal_places=2)]


class Out(BaseModel):
    """Base of response models: built from service results' attributes."""

    model_config = ConfigDict(from_attributes=True)


# --- auth and agents -------------------------------------------------------------------

class LoginRequest(ApiModel):
    """Agent credentials."""

    email: Email
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TokenOut(Out):
    """A bearer token for the ``Authorization`` header."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    agent: AgentOut


class SkillOut(Out):
    """One skill and level (1 novice .. 5 expert)."""

    skill: str
    level: int


class AgentOut(Out):
    """An agent as other agents see them (never the password hash)."""

    id: int
    email: str
    name: str
    role: AgentRole
    languages: list[str]
    capacity: dict[str, Any]
    presence: Presence
    active: bool
    team: str | None = None
    skills: list[SkillOut] = []


class AgentQuery(PageQuery):
    """Filters of the agent list."""

    role: AgentRole | None = None
    active: bool | None = None


class AgentCreate(ApiModel):
    """A new agent account (admin only)."""

    email: Email
    name: Text
    password: Annotated[str, StringConstraints(min_length=10, max_length=200)]
    role: AgentRole = AgentRole.AGENT
    languages: list[Language] = Field(default_factory=lambda: ["en"], max_length=20)
    capacity: dict[Channel, Annotated[int, Field(ge=0, le=50)]] = Field(default_factory=dict)
    skills: dict[Annotated[str, StringConstraints(min_length=1, max_length=64)],
                 Annotated[int, Field(ge=1, le=5)]] = Field(default_factory=dict)
    team: TeamName | None = None


class AgentPatch(ApiModel):
    """Agent fields an admin may change; omitted fields stay as they are."""

    name: Text | None = None
    role: AgentRole | None = None
    password: Annotated[str, StringConstraints(min_length=10, max_length=200)] | None = None
    languages: list[Language] | None = Field(default=None, max_length=20)
    capacity: dict[Channel, Annotated[int, Field(ge=0, le=50)]] | None = None
    active: bool | None = None
    skills: dict[Annotated[str, StringConstraints(min_length=1, max_length=64)],
                 Annotated[int, Field(ge=1, le=5)]] | None = None
    team: TeamName | None = Field(default=None, description="The agent's team; null clears it.")


# --- customers ---------------------------------------------------------------------------

class CustomerQuery(CursorPageQuery):
    """Filters of the customer list (all optional, combined with AND)."""

    name: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Part of the name, case-insensitive.")
    email: Annotated[str, StringConstraints(max_length=320)] | None = Field(
        default=None, description="Exact email (case-insensitive).")
    phone: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description="Exact phone number.")
    country: Annotated[str, StringConstraints(max_length=64)] | None = None
    tier: CustomerTier | None = None


class CustomerCreate(ApiModel):
    """A new customer."""

    name: Text
    email: Email | None = None
    phone: Phone | None = None
    country: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    preferred_language: Language = "en"
    tier: CustomerTier = CustomerTier.STANDARD
    consent_marketing: bool = False
    consent_data_processing: bool = True


class CustomerPatch(ApiModel):
    """Customer fields to change; omitted fields stay, ``null`` clears an optional one."""

    name: Text | None = None
    email: Email | None = None
    phone: Phone | None = None
    country: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    preferred_language: Language | None = None
    tier: CustomerTier | None = None
    consent_marketing: bool | None = None
    consent_data_processing: bool | None = None


class CustomerOut(Out):
    """A customer profile."""

    id: int
    name: str
    email: str | None
    phone: str | None
    country: str | None
    preferred_language: str
    tier: CustomerTier
    consent_marketing: bool
    consent_data_processing: bool
    created_at: datetime
    updated_at: datetime


# --- products ----------------------------------------------------------------------------

class ProductQuery(PageQuery):
    """Filters of the product list."""

    category: Annotated[str, StringConstraints(max_length=64)] | None = None
    search: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="Part of the name, or the exact SKU.")


class ProductCreate(ApiModel):
    """A new product (admin only)."""

    sku: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    description: Annotated[str, StringConstraints(max_length=10_000)] | None = None
    category: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    price: Price
    stock: Annotated[int, Field(ge=0, le=10**9)] = 0
    rebuyable: bool = False


class ProductPatch(ApiModel):
    """Product fields to change (admin only)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    description: Annotated[str, StringConstraints(max_length=10_000)] | None = None
    category: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    price: Price | None = None
    stock: Annotated[int, Field(ge=0, le=10**9)] | None = None
    rebuyable: bool | None = None
    active: bool | None = None


class ProductOut(Out):
    """A product in the catalogue."""

    id: int
    sku: str
    name: str
    description: str | None
    category: str | None
    price: Decimal
    stock: int
    rebuyable: bool
    active: bool


# --- orders ------------------------------------------------------------------------------

class OrderQuery(CursorPageQuery):
    """Filters of the order list."""

    customer_id: Id | None = None
    status: OrderStatus | None = None


class AddressChange(ApiModel):
    """A new shipping address (only before shipping)."""

    shipping_address: Annotated[str, StringConstraints(min_length=5, max_length=1000)]


class ReturnRequest(ApiModel):
    """Why the customer returns a delivered order (within the return window)."""

    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class CancelRequest(ApiModel):
    """Optional note on a cancellation (the body may also be omitted)."""

    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


class OrderLineOut(Out):
    """A product and quantity in an order, at the price paid."""

    product_id: int
    sku: str = Field(validation_alias=AliasPath("product", "sku"))
    name: str = Field(validation_alias=AliasPath("product", "name"))
    quantity: int
    unit_price: Decimal


class OrderOut(Out):
    """An order as lists show it (without its lines)."""

    id: int
    number: str
    customer_id: int
    status: OrderStatus
    currency: str
    total: Decimal
    shipping_address: str | None
    tracking_number: str | None
    return_reason: str | None
    placed_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    returned_at: datetime | None


class OrderDetailOut(OrderOut):
    """An order with its lines."""

    lines: list[OrderLineOut]


# --- tickets and comments ----------------------------------------------------------------

class TicketQuery(CursorPageQuery):
    """Filters of the ticket list."""

    status: TicketStatus | None = None
    priority: Priority | None = None
    assignee_id: Id | None = None
    customer_id: Id | None = None
    unassigned: bool | None = Field(default=None, description="Only tickets nobody has.")


class TicketCreate(ApiModel):
    """A new ticket for a customer, optionally about one of their orders."""

    customer_id: Id
    subject: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    order_number: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    category: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    priority: Priority | None = Field(
        default=None, description="Omit to let the SLA policy choose (category, tier).")
    channel: Channel = Channel.WEB
    description: LongText | None = Field(
        default=None, description="Becomes the first public comment.")


class TicketPatch(ApiModel):
    """Ticket fields to change: ``status`` must be an allowed transition; a new
    ``priority`` recomputes the SLA due times."""

    status: TicketStatus | None = None
    priority: Priority | None = None


class TicketAssign(ApiModel):
    """Who works the ticket: an agent id, or ``null`` to unassign."""

    assignee_id: Id | None


class TicketOut(Out):
    """A support ticket with its SLA due times."""

    id: int
    number: str
    customer_id: int
    order_id: int | None
    subject: str
    category: str | None
    priority: Priority
    status: TicketStatus
    channel: Channel
    assignee_id: int | None
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_responded_at: datetime | None
    solved_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CommentQuery(PageQuery):
    """Which comments of a ticket to list."""

    include_internal: bool = Field(default=True, description="false: public replies only.")


class CommentCreate(ApiModel):
    """A reply to the customer (``public``) or an internal note."""

    body: LongText
    public: bool = True


class CommentOut(Out):
    """A ticket comment."""

    id: int
    author_type: str
    author_agent_id: int | None
    body: str
    public: bool
    created_at: datetime


class Customer360Out(Out):
    """Everything an agent needs at a glance: profile, last 10 orders, open tickets."""

    customer: CustomerOut
    recent_orders: list[OrderOut]
    open_tickets: list[TicketOut]


# --- audit -------------------------------------------------------------------------------

class AuditQuery(PageQuery):
    """Filters of the audit log."""

    entity: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        default=None, description='e.g. "customer", "order", "ticket", "agent".')
    entity_id: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="Id or number of the entity.")
    actor: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description='e.g. "agent:7", "bot", "system".')


class AuditOut(Out):
    """One audit-log entry."""

    id: int
    actor: str
    action: str
    entity: str
    entity_id: str
    at: datetime
    details: dict[str, Any]


TokenOut.model_rebuild()
