"""Button payloads ``/intent{"entity": "value"}`` skip NLU (PROTOCOLS.md section 1)."""

from __future__ import annotations

import json
import re

from bot.nlu.types import Entity, Intent, ParseResult

PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][\w.\-]*)(?P<entities>\{.*\})?\s*$", re.DOTALL)


def parse_payload(text: str) -> ParseResult | None:
    """The ParseResult of a payload message, or None when ``text`` is not one.

    Malformed entity JSON keeps the intent and drops the entities (as Rasa does); a list
    value gives one entity per item.
    """
    match = PAYLOAD.match(text.strip())
    if not match:
        return None
    intent = Intent(match.group("intent"), 1.0)
    entities: list[Entity] = []
    raw = match.group("entities")
    if raw:
        try:
            spec = json.loads(raw)
        except ValueError:
            spec = {}
        if isinstance(spec, dict):
            for name, value in spec.items():
                for item in value if isinstance(value, list) else [value]:
                    entities.append(Entity(str(name), item, 0, 0, "", "payload"))
    return ParseResult(text=text, intent=intent, intent_ranking=(intent,),
                       entities=tuple(entities))
