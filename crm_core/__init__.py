"""kefu's CRM: customers, products, orders, tickets, conversations, agents.

Layout by role:

* ``domain`` - plain enums, the SLA policy type and the business rules (no SQLAlchemy);
* ``errors`` - typed errors with stable codes, mapped to HTTP / bot replies by each edge;
* ``models`` - SQLAlchemy 2.0 tables; ``migrations`` + ``schema`` - Alembic, ``ensure_current``;
* ``db``, ``repositories``, ``unit_of_work`` - the adapters services go through;
* ``services`` - the operations the REST API, the bot actions and the console call;
* ``policies`` - loader of ``config/policies.yml``; ``bulk``, ``demo``, ``importers`` -
  bulk loading, ``kefu demo seed`` and ``kefu import online-retail``;
* ``analytics`` - reports over the CRM (its own package).
"""
