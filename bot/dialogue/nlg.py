"""Turn responses (``utter_*`` in the domain) and action messages into ``BotMessage``s.

A response's variant is chosen by its slot conditions (kefu uses ``language``), the way
Rasa picks conditional response variations; ``{name}`` placeholders are filled from the
action's keyword arguments, then from slots.
"""

from __future__ import annotations

import string
from typing import Any

from bot.dialogue.domain import Domain, ResponseVariant
from bot.messages import BotMessage, Button

# Keys rasa-sdk's dispatcher puts in every message; everything else is a template argument.
_DISPATCHER_KEYS = {
    "text", "buttons", "elements", "custom", "template", "response", "image", "attachment",
}


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: dict[str, Any]) -> str:
    """``template`` with known ``{name}`` placeholders replaced; unknown ones stay as written."""
    try:
        return string.Formatter().vformat(template, (), _Missing(
            {k: "" if v is None else v for k, v in values.items()}
        ))
    except (ValueError, IndexError):
        return template  # a stray brace in a response: show it rather than fail


def choose_variant(variants: tuple[ResponseVariant, ...],
                   slots: dict[str, Any]) -> ResponseVariant | None:
    """The first variant whose conditions all hold, else the first unconditional one."""
    for variant in variants:
        if variant.conditions and all(slots.get(k) == v for k, v in variant.conditions):
            return variant
    return next((v for v in variants if not v.conditions), variants[0] if variants else None)


def _buttons(raw: Any, values: dict[str, Any]) -> tuple[Button, ...]:
    return tuple(
        Button(title=fill(str(b.get("title", "")), values), payload=str(b.get("payload", "")))
        for b in raw or ()
    )


def render_response(domain: Domain, name: str, slots: dict[str, Any],
                    args: dict[str, Any] | None = None) -> BotMessage | None:
    """The message for response ``name`` in the conversation's language (None if unknown)."""
    variant = choose_variant(domain.responses.get(name, ()), slots)
    if variant is None:
        return None
    values = {**slots, **(args or {})}
    return BotMessage(
        text=fill(variant.text, values) if variant.text else None,
        buttons=_buttons(variant.buttons, values), image=variant.image, custom=variant.custom,
        language=slots.get("language"),
    )


def render_dispatched(domain: Domain, message: dict[str, Any],
                      slots: dict[str, Any]) -> BotMessage | None:
    """A message collected by rasa-sdk's ``CollectingDispatcher`` as a ``BotMessage``."""
    args = {k: v for k, v in message.items() if k not in _DISPATCHER_KEYS}
    name = message.get("response") or message.get("template")
    base = render_response(domain, name, slots, args) if name else None
    text = message.get("text") or (base.text if base else None)
    buttons = _buttons(message.get("buttons"), {}) or (base.buttons if base else ())
    custom = message.get("custom") or None
    image = message.get("image") or (base.image if base else None)
    if not (text or buttons or custom or image or message.get("attachment")):
        return None
    return BotMessage(
        text=text, buttons=buttons, image=image, attachment=message.get("attachment"),
        custom=custom if custom is not None else (base.custom if base else None),
        language=slots.get("language"),
    )
