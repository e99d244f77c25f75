"""CRM services: business rules on top of a unit of work, one module per area.

Every public function takes a ``UnitOfWork`` first, opens it, commits on success, and
returns ORM rows (loaded attributes stay readable after the session closes; relationships
not loaded by the call raise instead of querying lazily). Functions that change data take
a keyword ``actor`` ("agent:7", "customer:12", "bot", "system") for the audit log.
Errors are ``crm_core.errors`` types with stable codes.

    from crm_core.services import customers, orders
    uow = SqlUnitOfWork(app[keys.SESSION_FACTORY])
    customer = await customers.find_customer(uow, email="ann@example.com")
    order = await orders.cancel_order(uow, "KF-100042", customer_id=customer.id, actor="bot")
"""
