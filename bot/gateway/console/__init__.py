"""The agent console: ``/console`` page, ``/console/api/...`` JSON and ``/console/ws``."""
