"""Repositories: domain queries over one session (never hand the session out).

They are created by the unit of work (``crm_core.unit_of_work``) and share its transaction.
"""

from crm_core.repositories.articles import ArticleRepository
from crm_core.repositories.base import MAX_PAGE_SIZE, Page, check_page
from crm_core.repositories.customers import (
    Customer360,
    CustomerRepository,
    ProductRepository,
    normalize_email,
    normalize_phone,
)
from crm_core.repositories.identity import IdentityGuardRepository
from crm_core.repositories.orders import OrderRepository
from crm_core.repositories.people import (
    AgentRepository,
    AuditRepository,
    ConversationRepository,
    CsatRepository,
)
from crm_core.repositories.tickets import TicketRepository

__all__ = [
    "MAX_PAGE_SIZE", "AgentRepository", "ArticleRepository", "AuditRepository", "ConversationRepository",
    "CsatRepository", "Customer360", "CustomerRepository", "IdentityGuardRepository", "OrderRepository", "Page",
    "ProductRepository", "TicketRepository", "check_page", "normalize_email", "normalize_phone",
]
