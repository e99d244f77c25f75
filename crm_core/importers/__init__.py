"""Importers of real data sets into the CRM (idempotent: natural keys, one transaction)."""
