"""The one place where errors become HTTP responses: ``{"error": {code, message, details}}``.

Domain errors map to 4xx by type; aiohttp's own HTTP errors keep their status but get the
same JSON shape; a database or Redis that cannot be reached is a 503 with ``Retry-After``
(``dependency_fault``); anything else unexpected is logged and answered 500 without a
traceback. WebSocket and socket.io frames use the same mapping (``frame_error``).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiohttp import web

from bot.gateway.faults import dependency_fault
from crm_core import errors

log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[errors.KefuError], int] = {
    errors.InvalidInput: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.RuleViolation: 422,
    errors.ServiceUnavailable: 503,
    errors.TooLarge: 413,
    errors.RateLimited: 429,
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON body every error response carries."""
    return {"error": {"code": code, "message": message, "details": details or {}}}


def status_for(exc: errors.KefuError) -> int:
    """HTTP status of a domain error (most specific class wins)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def error_headers(exc: errors.KefuError) -> dict[str, str]:
    """Headers a domain error's response carries (``Retry-After`` of a 429)."""
    if isinstance(exc, errors.RateLimited | errors.DependencyUnavailable):
        return {"Retry-After": str(exc.retry_after)}
    return {}


def frame_error(exc: Exception, where: str) -> dict[str, Any]:
    """The error body of a WebSocket / socket.io frame that raised ``exc`` (the HTTP
    mapping above, without a status): domain errors as they are, an unreachable
    dependency as ``dependency_unavailable``, anything else logged as ``internal_error``."""
    if not isinstance(exc, errors.KefuError):
        fault = dependency_fault(exc)
        if fault is None:
            log.error("%s failed", where, exc_info=exc)
            return error_body("internal_error",
                              "Something went wrong on our side; it has been logged.")
        log.warning("%s: %s (%s)", where, fault.message, exc)
        exc = fault
    return error_body(exc.code, exc.message, exc.details)


def _http_code(status: int) -> str:
    return {
        400: "invalid_input", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
        405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
        422: "rule_violation", 429: "too_many_requests",
    }.get(status, "http_error")


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith(("/api/", "/webhooks/", "/voice/", "/console/api/"))


# The response a handler already started (a WebSocket after its upgrade): an error escaping
# later cannot become a new HTTP response on that connection.
STARTED: web.RequestKey[web.StreamResponse] = web.RequestKey("started_response")
# WebSocket close codes: 1013 "try again later" for a lost dependency, 1011 for a bug.
_WS_CLOSE = {"dependency_unavailable": 1013, "internal_error": 1011}


async def _note_started(request: web.Request, response: web.StreamResponse) -> None:
    request[STARTED] = response


def setup_errors(app: web.Application) -> None:
    """Let the error middleware know which responses were started (``create_app``)."""
    app.on_response_prepare.append(_note_started)


async def _close_started(ws: web.WebSocketResponse, exc: Exception) -> web.WebSocketResponse:
    """An error after the upgrade: say so in a last frame and close, rather than write an
    HTTP response into the WebSocket stream."""
    body = frame_error(exc, "WebSocket")
    if not ws.closed:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_json({"type": "error", **body})
        await ws.close(code=_WS_CLOSE.get(body["error"]["code"], 1008),
                       message=body["error"]["code"].encode())
    return ws


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Map every exception escaping a handler to a JSON error response."""
    try:
        return await handler(request)
    except Exception as exc:  # noqa: BLE001 - mapped below; re-raised when not ours
        started = request.get(STARTED)
        if isinstance(started, web.WebSocketResponse):
            return await _close_started(started, exc)
        return _response_for(request, exc)


def _response_for(request: web.Request, exc: Exception) -> web.StreamResponse:
    """The JSON error response for ``exc`` (aiohttp's own non-error statuses re-raised)."""
    if isinstance(exc, errors.KefuError):
        return web.json_response(
            error_body(exc.code, exc.message, exc.details), status=status_for(exc),
            headers=error_headers(exc),
        )
    if isinstance(exc, web.HTTPException):
        if exc.status < 400 or not _wants_json(request):
            raise exc
        message = exc.text if exc.text and exc.content_type == "text/plain" else exc.reason
        return web.json_response(
            error_body(_http_code(exc.status), message), status=exc.status, headers={
                k: v for k, v in exc.headers.items() if k.lower() in ("allow", "www-authenticate")
            },
        )
    fault = dependency_fault(exc)  # the last line of defence: no traceback to the client
    if fault is not None:
        log.warning("%s %s: %s (%s)", request.method, request.path, fault.message, exc)
        return web.json_response(error_body(fault.code, fault.message, fault.details),
                                 status=503, headers=error_headers(fault))
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    return web.json_response(
        error_body("internal_error", "Something went wrong on our side; it has been logged."),
        status=500,
    )
