"""``/api/v1/tickets``: list, get, create, patch (status transitions, priority), assign,
and ``/tickets/{number}/comments`` (public replies and internal notes).

Agents work tickets and may take an unassigned one; only supervisors reassign.
"""

from __future__ import annotations

from aiohttp import web

from bot.gateway import keys
from bot.gateway.api.common import (
    actor, audit_list_view, audit_view, held_by, render, render_page, unit_of_work,
)
from bot.gateway.api.routes import Operation
from bot.gateway.api.schemas import (
    CommentCreate, CommentOut, CommentQuery, TicketAssign, TicketCreate, TicketOut,
    TicketPatch, TicketQuery,
)
from bot.gateway.api.validation import parse_body, parse_query
from bot.gateway.auth import current_principal, require_role
from crm_core.domain import AgentRole
from crm_core.models import Ticket
from crm_core.services import access
from crm_core.services import tickets as service


async def _ticket(request: web.Request) -> Ticket:
    """The ticket named by the ``{number}`` path parameter (404 if none)."""
    return await service.get_ticket_by_number(unit_of_work(request), request.match_info["number"])


async def list_tickets(request: web.Request) -> web.Response:
    """Tickets matching every given filter, newest first (for agents: unassigned ones
    and those of the customers they hold)."""
    query = parse_query(request, TicketQuery)
    page = await service.list_tickets(
        unit_of_work(request), customer_id=query.customer_id, status=query.status,
        priority=query.priority, assignee_id=query.assignee_id,
        unassigned=bool(query.unassigned), limit=query.limit, offset=query.offset,
        cursor=query.cursor, held_by=held_by(request))
    await audit_list_view(request, "ticket.list", "customer",
                          (t.customer_id for t in page.items),
                          query.model_dump(exclude_defaults=True, mode="json")
                          | {"returned": len(page.items)})
    return render_page(TicketOut, page, query)


async def get_ticket(request: web.Request) -> web.Response:
    """One ticket."""
    ticket = await _ticket(request)
    await audit_view(request, "ticket.view", "ticket", ticket.number,
                     {"customer_id": ticket.customer_id})
    return render(TicketOut, ticket)


async def create_ticket(request: web.Request) -> web.Response:
    """Open a ticket; SLA due times (and priority, if omitted) come from the policy."""
    body = await parse_body(request, TicketCreate)
    await access.check_customer(unit_of_work(request), current_principal(request).viewer,
                                body.customer_id)
    ticket = await service.create_ticket(
        unit_of_work(request), request.config_dict[keys.SLA_POLICY],
        service.NewTicket(**body.model_dump()), actor=actor(request))
    return render(TicketOut, ticket, status=201)


async def patch_ticket(request: web.Request) -> web.Response:
    """Change status (an allowed transition, else 422) and/or priority."""
    body = await parse_body(request, TicketPatch)
    ticket = await service.update_ticket(
        unit_of_work(request), request.config_dict[keys.SLA_POLICY],
        request.match_info["number"], status=body.status, priority=body.priority,
        actor=actor(request))
    return render(TicketOut, ticket)


async def assign_ticket(request: web.Request) -> web.Response:
    """Assign (or with ``null`` unassign). Agents may only take an unassigned ticket or
    give back their own; anything else needs a supervisor."""
    body = await parse_body(request, TicketAssign)
    ticket = await _ticket(request)
    me = current_principal(request).agent_id
    taking = ticket.assignee_id is None and body.assignee_id == me
    giving_back = ticket.assignee_id == me and body.assignee_id is None
    if not (taking or giving_back or ticket.assignee_id == body.assignee_id):
        require_role(request, AgentRole.SUPERVISOR)
    ticket = await service.assign_ticket(unit_of_work(request), ticket.id, body.assignee_id,
                                         actor=actor(request))
    return render(TicketOut, ticket)


async def list_comments(request: web.Request) -> web.Response:
    """A ticket's comments, oldest first."""
    query = parse_query(request, CommentQuery)
    ticket = await _ticket(request)
    page = await service.list_comments(unit_of_work(request), ticket.id,
                                       include_internal=query.include_internal,
                                       limit=query.limit, offset=query.offset)
    await audit_view(request, "ticket.comments.view", "ticket", ticket.number,
                     {"customer_id": ticket.customer_id})
    return render_page(CommentOut, page, query)


async def add_comment(request: web.Request) -> web.Response:
    """Reply to the customer (``public: true``) or add an internal note."""
    body = await parse_body(request, CommentCreate)
    ticket = await _ticket(request)
    me = current_principal(request).agent_id
    comment = await service.add_comment(unit_of_work(request), ticket.id, body.body,
                                        actor=actor(request), public=body.public,
                                        author_agent_id=me)
    return render(CommentOut, comment, status=201)


_NUMBER = "/tickets/{number}"
OPERATIONS = [
    Operation("GET", "/tickets", list_tickets, "List tickets", "tickets", query=TicketQuery,
              response=TicketOut, paginated=True),
    Operation("POST", "/tickets", create_ticket, "Open a ticket", "tickets", body=TicketCreate,
              response=TicketOut, status=201, errors=(403, 404)),
    Operation("GET", _NUMBER, get_ticket, "Get a ticket", "tickets", response=TicketOut,
              owner="ticket", errors=(403,)),
    Operation("PATCH", _NUMBER, patch_ticket, "Change a ticket's status or priority",
              "tickets", body=TicketPatch, response=TicketOut, errors=(403, 422),
              owner="ticket"),
    Operation("POST", _NUMBER + "/assign", assign_ticket, "Assign a ticket", "tickets",
              body=TicketAssign, response=TicketOut, owner="ticket", errors=(403,)),
    Operation("GET", _NUMBER + "/comments", list_comments, "List a ticket's comments",
              "comments", query=CommentQuery, response=CommentOut, paginated=True,
              owner="ticket", errors=(403,)),
    Operation("POST", _NUMBER + "/comments", add_comment, "Comment on a ticket", "comments",
              body=CommentCreate, response=CommentOut, status=201, errors=(403, 422),
              owner="ticket"),
]
