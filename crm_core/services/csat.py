"""Customer satisfaction: one 1-5 rating per conversation."""

from __future__ import annotations

from crm_core.errors import Conflict, ConversationNotFound, InvalidInput
from crm_core.models import CsatRating, utcnow
from crm_core.repositories import Page
from crm_core.unit_of_work import UnitOfWork


async def record_csat(uow: UnitOfWork, conversation_id: int, score: int,
                      comment: str | None = None, *, ticket_id: int | None = None) -> CsatRating:
    """Record the customer's rating of a conversation (credited to its agent, if any).
    ``InvalidInput`` outside 1..5, ``Conflict`` if the conversation is already rated."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput("score must be an integer from 1 to 5",
                           details={"field": "score", "value": score})
    async with uow:
        conversation = await uow.conversations.get(conversation_id)
        if conversation is None:
            raise ConversationNotFound(conversation_id)
        if await uow.csat.for_conversation(conversation_id) is not None:
            raise Conflict(f"conversation {conversation_id} is already rated",
                           details={"conversation": conversation_id})
        rating = CsatRating(conversation_id=conversation_id, ticket_id=ticket_id,
                            agent_id=conversation.agent_id, score=score,
                            comment=(comment or "").strip() or None, created_at=utcnow())
        uow.csat.add(rating)
        await uow.commit()
    return rating


async def list_csat(uow: UnitOfWork, *, agent_id: int | None = None, limit: int = 50,
                    offset: int = 0) -> Page[CsatRating]:
    """Ratings, newest first, optionally for one agent."""
    async with uow:
        return await uow.csat.list(agent_id=agent_id, limit=limit, offset=offset)
