"""The REST API's route table: one ``Operation`` per endpoint, the single source of truth.

``setup_api`` registers these on the aiohttp router (wrapping each view in ``secured`` with
its least role) and ``openapi.py`` documents exactly the same list, so the two cannot drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel

from bot.gateway.auth import Handler
from crm_core.domain import AgentRole

API_PREFIX = "/api/v1"
_PARAM = re.compile(r"\{(\w+)(?::([^{}]+))?\}")


@dataclass(frozen=True)
class Operation:
    """One endpoint: how it is routed, who may call it, and what goes in and out."""

    method: str
    path: str  # aiohttp form, relative to /api/v1, e.g. "/customers/{customer_id:\\d+}"
    handler: Handler
    summary: str
    tag: str
    least_role: AgentRole | None = AgentRole.AGENT  # None: no token needed
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    body_optional: bool = False
    response: type[BaseModel] | None = None
    paginated: bool = False
    status: int = 200
    errors: tuple[int, ...] = field(default=())
    description: str = ""
    # What the path names, for the access rule (``crm_core.services.access``): "customer"
    # (``{customer_id}``), "order" or "ticket" (``{number}``); agents get 403
    # ``out_of_scope`` for one they do not hold.
    owner: str | None = None

    @property
    def full_path(self) -> str:
        """The aiohttp route path, prefix included."""
        return API_PREFIX + self.path

    @property
    def openapi_path(self) -> str:
        """The path as OpenAPI writes it: ``{name}`` without aiohttp's regex."""
        return _PARAM.sub(lambda m: "{" + m.group(1) + "}", self.full_path)

    def path_params(self) -> list[tuple[str, bool]]:
        """``(name, is_integer)`` for each path parameter."""
        return [(m.group(1), m.group(2) == r"\d+") for m in _PARAM.finditer(self.path)]

    @property
    def operation_id(self) -> str:
        """A stable id for the operation: the view's function name."""
        return self.handler.__name__
