"""OpenAPI 3.1 document built from the API's route table and its pydantic models.

Nothing here is written by hand per endpoint: paths, parameters, bodies and responses come
from ``Operation`` entries, schemas from ``model_json_schema`` (via ``models_json_schema``
so that every model lands once under ``components/schemas``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bot.gateway.api.routes import Operation

OPENAPI_VERSION = "3.1.0"
REF = "#/components/schemas/{model}"
ERROR_RESPONSES = {
    400: "Invalid input: malformed JSON, unknown or invalid fields (`invalid_input`).",
    401: "Missing, invalid or expired bearer token.",
    403: "The agent's role may not do this (`forbidden`).",
    404: "No such resource (`not_found`).",
    409: "Clashes with existing data (`conflict`).",
    413: "The body is larger than the limit (`too_large`).",
    422: "Well-formed, but a business rule forbids it (`rule_violation`).",
    429: "Too many requests from this client (`too_many_requests`); retry after "
         "`Retry-After` seconds.",
}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable code."},
                "message": {"type": "string", "description": "Readable explanation."},
                "details": {
                    "type": "object",
                    "description": "Extra data, e.g. one entry per invalid field.",
                    "additionalProperties": True,
                },
            },
        }
    },
}


def _component_schemas(operations: list[Operation]) -> dict[str, Any]:
    """Every request model (validation mode) and response model (serialization mode)."""
    pairs: dict[tuple[type[BaseModel], str], None] = {}
    for op in operations:
        if op.body is not None:
            pairs[(op.body, "validation")] = None
        if op.response is not None:
            pairs[(op.response, "serialization")] = None
    if not pairs:
        return {}
    _, top = models_json_schema(list(pairs), ref_template=REF)
    return dict(top.get("$defs", {}))


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _query_parameters(model: type[BaseModel], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """One parameter per field of ``model``; the enums it refers to are added to ``defs``."""
    schema = model.model_json_schema(ref_template=REF)
    defs.update(schema.get("$defs", {}))
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = _drop_null(dict(prop))
        description = prop.pop("description", "")
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                 "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _drop_null(prop: dict[str, Any]) -> dict[str, Any]:
    """``X | None = None`` reads as "optional X" in a query string: an absent parameter."""
    options = prop.get("anyOf", [])
    if len(options) == 2 and {"type": "null"} in options and prop.get("default", 0) is None:
        prop.pop("anyOf")
        prop.pop("default")
        prop |= next(o for o in options if o != {"type": "null"})
    return prop


def _success(op: Operation) -> dict[str, Any]:
    if op.response is None:
        return {"description": "Done."}
    schema: dict[str, Any] = _ref(op.response)
    if op.paginated:
        schema = {
            "type": "object",
            "required": ["items", "total", "limit", "offset"],
            "properties": {
                "items": {"type": "array", "items": schema},
                "total": {"type": "integer", "description": "Matches over all pages."},
                "limit": {"type": "integer"},
                "offset": {"type": "integer"},
            },
        }
        if op.query is not None and "cursor" in op.query.model_fields:
            schema["required"].append("next_cursor")
            schema["properties"]["next_cursor"] = {
                "type": ["string", "null"],
                "description": "Pass as `cursor` to get the next page; null on the last page.",
            }
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def _operation(op: Operation, defs: dict[str, Any]) -> dict[str, Any]:
    params = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 1} if is_int else {"type": "string"}}
        for name, is_int in op.path_params()
    ]
    if op.query is not None:
        params += _query_parameters(op.query, defs)
    codes = set(op.errors) | {400, 429}  # every operation is rate-limited per client
    if op.body is not None:
        codes.add(413)
    if op.least_role is not None:
        codes |= {401, 403}
    if op.path_params():
        codes.add(404)
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": {str(op.status): _success(op)} | {
            str(code): _error_response(code) for code in sorted(codes)
        },
        "security": [{"bearerAuth": []}] if op.least_role is not None else [],
    }
    description = op.description or (op.handler.__doc__ or "").strip()
    if op.least_role is not None:
        description += f"\n\nNeeds role **{op.least_role.value}** or above."
    doc["description"] = description.strip()
    if op.body is not None:
        doc["requestBody"] = {
            "required": not op.body_optional,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    return doc


def _error_response(code: int) -> dict[str, Any]:
    response: dict[str, Any] = {"description": ERROR_RESPONSES[code],
                                "content": {"application/json": {"schema": _ref_error()}}}
    if code == 429:
        response["headers"] = {"Retry-After": {
            "description": "Seconds until the client may try again.", "required": True,
            "schema": {"type": "integer", "minimum": 1}}}
    return response


def _ref_error() -> dict[str, str]:
    return {"$ref": REF.format(model="Error")}


class OpenApiDocument:
    """The document of one app's operations, built on first use (building it costs a
    fifth of a second, which every ``create_app`` in the test suite would otherwise pay)."""

    def __init__(self, operations: Iterable[Operation], version: str) -> None:
        self._operations = tuple(operations)
        self._version = version

    @cached_property
    def body(self) -> bytes:
        """The document as UTF-8 JSON."""
        document = build_openapi(self._operations, version=self._version)
        return json.dumps(document, ensure_ascii=False).encode()


def build_openapi(operations: Iterable[Operation], *, version: str = "0.1.0") -> dict[str, Any]:
    """The OpenAPI 3.1 document describing ``operations``."""
    ops = list(operations)
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA} | _component_schemas(ops)
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = _operation(op, schemas)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "kefu CRM API",
            "version": version,
            "description": "Customers, products, orders, tickets and comments for agents. "
            "Sign in with POST /api/v1/auth/login and send the token as "
            "`Authorization: Bearer <token>`. Lists take `limit` (1-200, default 50) and "
            "`offset` and answer `{items, total, limit, offset}`. The lists of large tables "
            "(customers, orders, tickets) also answer `next_cursor`: pass it back as "
            "`cursor` for the next page (keyset pagination, as fast on page 1000 as on "
            "page 1). Errors always answer "
            "`{error: {code, message, details}}`.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
    }
