"""Console HTTP API (``/console/api/...``, bearer tokens from ``/api/v1/auth/login``) and
the console WebSocket ``/console/ws``: sign in with ``{"type": "auth", "token"}`` as the
first frame (what the page does: the token stays out of URLs and access logs) or with
``?token=...`` (a bad token is then a 401 before the upgrade).

WebSocket frames, client -> server: ``{"type": "accept"|"decline"|"resolve", "task_id"}``,
``{"type": "message"|"note", "task_id", "text"}``, ``{"type": "transfer", "task_id",
"to_agent"? , "topic"?}``, ``{"type": "presence", "presence"}``, ``{"type": "ping"}``.
Server -> client: ``{"type": "hello", "agent", "tasks"}`` first; each request answered by
``{"type": "ok", "request", "result"}`` or ``{"type": "error", "request", "error"}``; pushed
events ``{"type": "routing", "event": "offered"|"expired"|..., "task_id", "task"?}`` and
``{"type": "customer", "text", "conversation_id", "task_id"}``.

The agent is checked again (exists, enabled, token not revoked) before every frame is
acted on, before every offer is pushed, and every ``RECHECK_SECONDS`` while idle. When a
check fails the console gets ``{"type": "error", "request": "auth", "error": {"code":
"token_revoked"|"unauthenticated", ...}}`` and the socket is closed with code 4401
(``CLOSE_REVOKED``); the agent goes offline in the queue, so no further offer reaches them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from bot.gateway import keys
from bot.gateway.auth import Principal, current_principal, recheck, require_role, secured
from bot.gateway.errors import error_body, frame_error
from crm_core.domain.enums import AgentRole
from crm_core.errors import InvalidInput, KefuError, Unauthenticated

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def _service(request: web.Request):  # noqa: ANN202 - ConsoleService, typed via the key
    return request.config_dict[keys.CONSOLE]


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput("the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    return body


def _int(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{field} must be an integer", details={"field": field}) from exc


async def page(request: web.Request) -> web.FileResponse:
    """The console page (plain HTML and JS)."""
    return web.FileResponse(STATIC / "console.html")


async def me(request: web.Request) -> web.Response:
    """Sign in to the queue: skills from the CRM, presence available."""
    return web.json_response(await _service(request).sign_in(current_principal(request).agent_id))


async def queue(request: web.Request) -> web.Response:
    """The live queue (serving order) and, for supervisors, agents' load and SLA breaches."""
    data = await _service(request).queue()
    if not current_principal(request).has_role(AgentRole.SUPERVISOR):
        data.pop("agents", None)
    return web.json_response(data)


async def supervisor(request: web.Request) -> web.Response:
    """Supervisor view: queue length and waits, agents' load, SLA breaches."""
    require_role(request, AgentRole.SUPERVISOR)
    return web.json_response(await _service(request).queue())


async def my_tasks(request: web.Request) -> web.Response:
    """Offers and conversations the signed-in agent holds."""
    return web.json_response(await _service(request).my_tasks(current_principal(request).agent_id))


async def task_action(request: web.Request) -> web.Response:
    """POST /console/api/tasks/{task_id}/{action}: accept, decline, resolve, messages,
    notes, transfer."""
    body = await _body(request) if request.can_read_body else {}
    result = await _run(_service(request), current_principal(request),
                        request.match_info["action"], request.match_info["task_id"], body)
    return web.json_response(result)


async def transcript(request: web.Request) -> web.Response:
    """The conversation's messages so far."""
    return web.json_response(await _service(request).transcript(
        current_principal(request).agent_id, request.match_info["task_id"]))


async def customer(request: web.Request) -> web.Response:
    """Customer 360 panel (audited)."""
    principal = current_principal(request)
    return web.json_response(await _service(request).customer_360(
        principal.agent_id, principal.role, _int(request.match_info["customer_id"], "customer_id")))


async def presence(request: web.Request) -> web.Response:
    """Set presence; offline requeues the agent's conversations."""
    body = await _body(request)
    requeued = await _service(request).set_presence(current_principal(request).agent_id,
                                                    str(body.get("presence", "")))
    return web.json_response({"presence": body.get("presence"), "requeued": requeued})


async def canned(request: web.Request) -> web.Response:
    """Canned responses from config/console.yml."""
    return web.json_response(request.config_dict[keys.CANNED_RESPONSES])


_ACTIONS = {"accept", "decline", "resolve", "message", "messages", "note", "notes", "transfer"}


async def _run(service: Any, principal: Principal, action: str, task_id: str,
               body: dict[str, Any]) -> dict[str, Any]:
    agent = principal.agent_id
    if action not in _ACTIONS:
        raise InvalidInput(f"unknown action {action!r}", details={"allowed": sorted(_ACTIONS)})
    if action == "accept":
        return await service.accept(agent, task_id)
    if action == "decline":
        await service.decline(agent, task_id)
        return {"task_id": task_id, "declined": True}
    if action == "resolve":
        return await service.resolve(agent, task_id)
    if action in ("message", "messages"):
        return await service.send(agent, task_id, body.get("text"))
    if action in ("note", "notes"):
        return await service.note(agent, task_id, body.get("text"))
    to_agent = body.get("to_agent")
    topic = body.get("topic")
    if topic is not None and not isinstance(topic, str):
        raise InvalidInput("topic must be a string", details={"field": "topic"})
    return await service.transfer(agent, task_id, topic=topic,
                                  to_agent=None if to_agent is None else _int(to_agent, "to_agent"))


# --- WebSocket ------------------------------------------------------------------------------
AUTH_FRAME_SECONDS = 10.0
# How often an idle console's agent is checked again (frames and offers check at once).
RECHECK_SECONDS = 2.0
# Close code of a console whose agent is disabled, gone or whose token was revoked.
CLOSE_REVOKED = 4401


async def _principal_for(request: web.Request, token: str) -> Principal:
    from bot.gateway.auth import current_agent
    from bot.gateway.tokens import verify_agent_token

    secret = request.config_dict[keys.SETTINGS].secret_key
    if secret is None:
        raise Unauthenticated("This server has no secret key configured; agent sign-in is off.")
    claims = verify_agent_token(token, secret)
    try:
        role = AgentRole(claims.role)
    except ValueError as exc:
        raise Unauthenticated("The token names an unknown role.") from exc
    return await current_agent(request, Principal(claims.agent_id, role, claims.version))


async def _first_frame_principal(request: web.Request, ws: web.WebSocketResponse) -> Principal:
    """``{"type": "auth", "token"}`` as the first frame: keeps the token out of URLs/logs."""
    try:
        msg = await ws.receive(timeout=AUTH_FRAME_SECONDS)
        frame = json.loads(msg.data) if msg.type == WSMsgType.TEXT else None
    except (TimeoutError, asyncio.TimeoutError, json.JSONDecodeError):
        frame = None
    if not isinstance(frame, dict) or frame.get("type") != "auth" or not isinstance(
            frame.get("token"), str):
        raise Unauthenticated('send {"type": "auth", "token": "<bearer token>"} first '
                              "(or connect with ?token=...)")
    return await _principal_for(request, frame["token"])


async def console_ws(request: web.Request) -> web.StreamResponse:
    """The console's live connection (see module docstring)."""
    token = request.query.get("token")
    # With ?token= a bad token is a 401 before the upgrade; otherwise the first frame signs in.
    principal = await _principal_for(request, token) if token else None
    service = _service(request)
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=64 * 1024)
    await ws.prepare(request)
    if principal is None:
        try:
            principal = await _first_frame_principal(request, ws)
        except KefuError as exc:
            await ws.send_json({"type": "error", "request": "auth",
                                **error_body(exc.code, exc.message, exc.details)})
            await ws.close(code=CLOSE_REVOKED, message=b"unauthenticated")
            return ws
    agent_id = principal.agent_id
    guard = _AgentGuard(request.app, ws, principal)
    async with service.hub.agent_feed(agent_id) as feed:
        pusher = asyncio.create_task(_push(ws, feed, guard))
        watchdog = asyncio.create_task(guard.watch())
        try:
            agent = await service.sign_in(agent_id)
            await ws.send_json({"type": "hello", "agent": agent,
                                "tasks": await service.my_tasks(agent_id)})
            await service.router.dispatch()
            async for msg in ws:
                if msg.type == WSMsgType.TEXT and await guard.frame_allowed():
                    await _ws_frame(ws, service, guard.principal, msg.data)
        finally:
            pusher.cancel()
            watchdog.cancel()
    if not service.hub.has_agent_feed(agent_id):
        # The agent's last console closed: their conversations go back to the queue.
        await service.set_presence(agent_id, "offline")
    return ws


class _AgentGuard:
    """Checks a console's agent again (``auth.recheck``) and closes the socket when the
    agent is disabled, deleted or their token revoked."""

    def __init__(self, app: web.Application, ws: web.WebSocketResponse,
                 principal: Principal) -> None:
        self.app, self.ws, self.principal = app, ws, principal

    async def still_valid(self) -> bool:
        """True if the agent may go on; otherwise tell the console why and close it."""
        if self.ws.closed:
            return False
        try:
            self.principal = await recheck(self.app, self.principal)
            return True
        except Unauthenticated as exc:
            await self._close(exc)
            return False

    async def frame_allowed(self) -> bool:
        """``still_valid`` before acting on a frame; when the check itself fails (the
        database is down) the frame is refused with an error frame, not acted on
        unchecked, and the socket stays open."""
        try:
            return await self.still_valid()
        except Exception:  # noqa: BLE001 - logged; the console hears "unavailable"
            log.warning("console re-check of agent %s failed", self.principal.agent_id,
                        exc_info=True)
            await self.ws.send_json({"type": "error", "request": "auth", **error_body(
                "unavailable", "Your sign-in could not be checked; try again shortly.")})
            return False

    async def watch(self) -> None:
        """Check every ``RECHECK_SECONDS`` until the socket closes (an idle console)."""
        while not self.ws.closed:
            await asyncio.sleep(RECHECK_SECONDS)
            try:
                if not await self.still_valid():
                    return
            except Exception:  # a database hiccup must not kill the socket
                log.warning("console re-check of agent %s failed", self.principal.agent_id,
                            exc_info=True)

    async def _close(self, exc: KefuError) -> None:
        log.info("closing the console of agent %s: %s", self.principal.agent_id, exc.code)
        # Out of the queue first (their offers and chats go back to it), so no offer is
        # made to them while the socket closes.
        await self.app[keys.CONSOLE].set_presence(self.principal.agent_id, "offline")
        if not self.ws.closed:
            await self.ws.send_json({"type": "error", "request": "auth",
                                     **error_body(exc.code, exc.message, exc.details)})
            await self.ws.close(code=CLOSE_REVOKED, message=exc.code.encode())


async def _push(ws: web.WebSocketResponse, feed: Any, guard: _AgentGuard) -> None:
    async for event in feed:
        if ws.closed:
            return
        wire = event.to_wire()
        if wire.get("event") == "offered" and not await guard.still_valid():
            return
        await ws.send_json(wire)


async def _ws_frame(ws: web.WebSocketResponse, service: Any, principal: Principal,
                    raw: str) -> None:
    request_type = None
    try:
        try:
            frame = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InvalidInput("frames must be JSON objects") from exc
        if not isinstance(frame, dict):
            raise InvalidInput("frames must be JSON objects")
        request_type = frame.get("type")
        if request_type == "ping":
            await ws.send_json({"type": "pong"})
            return
        if request_type == "presence":
            result: Any = {"requeued": await service.set_presence(
                principal.agent_id, str(frame.get("presence", "")))}
        else:
            task_id = frame.get("task_id")
            if not isinstance(task_id, str):
                raise InvalidInput("task_id must be a string", details={"field": "task_id"})
            result = await _run(service, principal, str(request_type), task_id, frame)
        await ws.send_json({"type": "ok", "request": request_type, "result": result})
    except KefuError as exc:
        await ws.send_json({"type": "error", "request": request_type,
                            **error_body(exc.code, exc.message, exc.details)})
    except Exception as exc:  # noqa: BLE001 - keep the console connected; errors.py maps it
        await ws.send_json({"type": "error", "request": request_type,
                            **frame_error(exc, "console frame")})


def add_routes(app: web.Application) -> None:
    """Mount the console's page, API and WebSocket."""
    agent = AgentRole.AGENT
    app.router.add_get("/console", page)
    app.router.add_static("/console/static", STATIC)
    app.router.add_get("/console/ws", console_ws)
    app.router.add_get("/console/api/me", secured(me, agent))
    app.router.add_get("/console/api/queue", secured(queue, agent))
    app.router.add_get("/console/api/supervisor", secured(supervisor, AgentRole.SUPERVISOR))
    app.router.add_get("/console/api/tasks", secured(my_tasks, agent))
    app.router.add_get("/console/api/tasks/{task_id}/transcript", secured(transcript, agent))
    app.router.add_post("/console/api/tasks/{task_id}/{action}", secured(task_action, agent))
    app.router.add_get("/console/api/customers/{customer_id}", secured(customer, agent))
    app.router.add_post("/console/api/presence", secured(presence, agent))
    app.router.add_get("/console/api/canned", secured(canned, agent))
