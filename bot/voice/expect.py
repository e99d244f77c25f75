"""What the caller is likely to say next, from what the bot just asked.

When the bot has just asked for an order number, a ticket number or a one-time code, the
answer is mostly digits, and a bare "four" or "nine" under half a second long is the hardest
thing a general recogniser hears (it turns into "forward", "nice"). The voice channel tells
the recogniser so for that one turn; the recogniser stays open-vocabulary, it is only primed.

A response can say so itself with ``custom: {voice_expect: digits}`` in the domain; without
it, a question that names a number or a code (or shows an example like ``KF-100042``) counts.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from enum import Enum

from bot.messages import BotMessage

EXPECT_KEY = "voice_expect"
# A reply that names a number or a code (English or Chinese) ...
_NAMES_NUMBER = re.compile(
    r"\b(order|ticket|reference|account)\s+(number|no\.?)s?\b|\bits number\b"
    r"|\b(code|digits|pin)\b|\b[A-Z]{2}-\d{3,}\b|订单号|工单号|验证码", re.IGNORECASE)
# ... and asks for it (not "the code is right", "I couldn't match that order number").
_ASKS = re.compile(r"\?|？|\bplease\b|\btell me\b|\bwhat(?:'s| is)\b|请", re.IGNORECASE)


class Expect(str, Enum):
    """A hint for the next utterance's recognition."""

    DIGITS = "digits"


def expectation(replies: list[BotMessage]) -> Expect | None:
    """The hint the bot's last reply gives for the caller's answer (None: no hint)."""
    for reply in reversed(replies):
        custom = reply.custom if isinstance(reply.custom, dict) else {}
        if custom.get(EXPECT_KEY) in {e.value for e in Expect}:
            return Expect(custom[EXPECT_KEY])
        if reply.text:
            asks = _NAMES_NUMBER.search(reply.text) and _ASKS.search(reply.text)
            return Expect.DIGITS if asks else None
    return None


class Expectations:
    """The pending hint per caller, bounded (oldest dropped): one turn's worth each."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._pending: OrderedDict[str, Expect] = OrderedDict()

    def take(self, sender_id: str) -> Expect | None:
        """The hint for this caller's next utterance, cleared once used."""
        return self._pending.pop(sender_id, None)

    def set(self, sender_id: str, expect: Expect | None) -> None:
        """Remember (or clear, with None) what this caller is expected to say next."""
        self._pending.pop(sender_id, None)
        if expect is not None:
            self._pending[sender_id] = expect
            while len(self._pending) > self.size:
                self._pending.popitem(last=False)
