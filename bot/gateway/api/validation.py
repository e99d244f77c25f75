"""Input at the edge: JSON bodies, query strings and path ids become validated models.

Every failure is an ``InvalidInput`` (400) whose ``details`` map a field to what is wrong
with it, e.g. ``{"limit": "Input should be less than or equal to 200"}``; the error
middleware renders it. No user input can reach a view unvalidated or cause a 500.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.gateway import keys
from bot.gateway.bodies import read_limited
from bot.inputs import check_string, loads
from crm_core.errors import InvalidInput, NotFound

M = TypeVar("M", bound=BaseModel)

# Ids are 32-bit INTEGER columns: a larger number can name nothing and would overflow
# PostgreSQL's int4 (a 500), so it is a 404 in a path and a 400 in a query or body.
MAX_ID = 2**31 - 1


class ApiModel(BaseModel):
    """Base of every request model: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PageQuery(ApiModel):
    """``limit`` / ``offset`` pagination shared by every list endpoint."""

    limit: int = Field(default=50, ge=1, le=200, description="Items per page (1-200).")
    # Bounded so a huge number is a 400, not a database integer overflow.
    offset: int = Field(default=0, ge=0, le=2**31 - 1, description="Items to skip.")


class CursorPageQuery(PageQuery):
    """``PageQuery`` plus keyset pagination, for lists of large tables: ``cursor`` (the
    ``next_cursor`` of the previous page) continues after its last item, however deep."""

    cursor: Annotated[str, StringConstraints(min_length=1, max_length=512,
                                             pattern=r"^[A-Za-z0-9_-]+$")] | None = Field(
        default=None,
        description="Opaque: the `next_cursor` of the previous page. Continues right after "
        "its last item, at the same cost however deep, and skips or repeats nothing when "
        "items are added meanwhile. Use instead of `offset` (which must then be 0).")


def field_errors(error: ValidationError) -> dict[str, str]:
    """Pydantic's errors as ``{"field.path": "message"}`` (``"body"`` for the whole input)."""
    details: dict[str, str] = {}
    for item in error.errors(include_url=False):
        key = ".".join(str(part) for part in item["loc"]) or "body"
        details.setdefault(key, item["msg"])
    return details


def validate(model: type[M], data: Any, what: str) -> M:
    """``model`` built from ``data``, or ``InvalidInput`` listing every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"The {what} has invalid fields.", details=field_errors(exc)) from exc


async def parse_body(request: web.Request, model: type[M], *, optional: bool = False) -> M:
    """The request's JSON object body validated as ``model`` (``optional``: may be empty).

    The body is size-limited and parsed with ``bot.inputs.loads`` (depth, proper Unicode,
    the field named), then validated strictly: JSON types must be the documented ones
    (``true`` is no integer, ``"5"`` no number), as the OpenAPI document says."""
    settings = request.config_dict[keys.SETTINGS]
    raw = await read_limited(request, settings.max_api_body_bytes)
    if not raw.strip():
        if optional:
            return validate(model, {}, "request body")
        raise InvalidInput("A JSON object body is required.", details={"body": "empty"})
    data = loads(raw, max_depth=settings.max_json_depth)
    if not isinstance(data, dict):
        raise InvalidInput(
            "The request body must be a JSON object.",
            details={"body": f"expected an object, got {type(data).__name__}"},
        )
    try:
        return model.model_validate_json(json.dumps(_integral_floats_as_ints(data)),
                                         strict=True)
    except ValidationError as exc:
        raise InvalidInput("The request body has invalid fields.",
                           details=field_errors(exc)) from exc


def _integral_floats_as_ints(value: Any) -> Any:
    """JSON Schema counts ``581.0`` as an integer: so does the API (``581.5`` is no integer,
    and ``true`` never one). Nesting is bounded by the depth limit already checked."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats_as_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(v) for v in value]
    return value


def parse_query(request: web.Request, model: type[M]) -> M:
    """The query string validated as ``model``; a repeated parameter is an error."""
    data: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        if len(values) > 1:
            raise InvalidInput(
                f"Query parameter {key!r} was given more than once.",
                details={key: "given more than once"},
            )
        check_string(key, key)
        data[key] = check_string(key, values[0])
    return validate(model, data, "query string")


def path_id(request: web.Request, name: str) -> int:
    """A numeric path parameter; a value no row can have is a 404, not an overflow."""
    raw = request.match_info[name]
    if not raw.isdigit() or int(raw) > MAX_ID:
        raise NotFound(f"No such {name.removesuffix('_id')}.", details={name: raw})
    return int(raw)


def page_body(items: list[Any], total: int, page: PageQuery,
              next_cursor: str | None = None) -> dict[str, Any]:
    """The list envelope every paginated endpoint returns; lists that take a ``cursor``
    also say where the next page starts (``next_cursor``, null on the last page)."""
    body = {"items": items, "total": total, "limit": page.limit, "offset": page.offset}
    if isinstance(page, CursorPageQuery):
        body["next_cursor"] = next_cursor
    return body
