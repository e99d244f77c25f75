"""Alembic migrations of the CRM schema, packaged so ``kefu db upgrade`` works anywhere.

Use ``crm_core.schema`` (``upgrade``, ``current_revision``, ``ensure_current``) rather than
the ``alembic`` command; it builds the configuration from the package location.
"""
