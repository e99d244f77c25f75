"""SQLAlchemy 2.0 models of the CRM tables (typed ``Mapped[]``), one module per area.

``Base.metadata`` is what Alembic compares migrations against.
"""

from crm_core.models.agents import Agent, AgentSkill, AuditEntry
from crm_core.models.articles import Article
from crm_core.models.base import Base, utcnow
from crm_core.models.conversations import Conversation, CsatRating, DialogueEvent, Message
from crm_core.models.customers import Customer, Product
from crm_core.models.identity import IdentityGuard, OneTimeCode
from crm_core.models.orders import Order, OrderLine
from crm_core.models.tickets import Ticket, TicketComment

__all__ = [
    "Agent", "AgentSkill", "Article", "AuditEntry", "Base", "Conversation", "CsatRating", "Customer",
    "DialogueEvent", "IdentityGuard", "Message", "OneTimeCode", "Order", "OrderLine", "Product", "Ticket", "TicketComment",
    "utcnow",
]
import crm_core.analytics.models  # noqa: E402, F401 - analytics table on Base.metadata
