"""kefu's CRM: customers, products, orders, tickets, conversations, agents.

Layout by role: ``domain`` (plain types and rules, no SQLAlchemy), ``db`` and
``repositories`` (SQLAlchemy 2.0 adapters, unit of work), ``services`` (business rules
on top of a unit of work).
"""
