"""Load ``config/domain.yml`` (Rasa 3.x format) into a typed, read-only ``Domain``.

Only what the engine uses is typed; ``as_dict()`` returns the domain as Rasa sends it to
an action server, so rasa-sdk actions see the same shape in process and over HTTP.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crm_core.errors import InvalidInput

REQUESTED_SLOT = "requested_slot"


@dataclass(frozen=True)
class SlotMapping:
    """One way a slot is filled: from an entity, from the whole text, from an intent."""

    type: str
    entity: str | None = None
    intent: tuple[str, ...] = ()
    value: Any = None
    active_loop: str | None = None
    requested_slot: str | None = None


@dataclass(frozen=True)
class SlotSpec:
    """A slot's type, initial value and mappings."""

    name: str
    type: str
    initial_value: Any = None
    mappings: tuple[SlotMapping, ...] = ()


@dataclass(frozen=True)
class ResponseVariant:
    """One variant of a response; ``conditions`` are ``(slot, value)`` pairs."""

    text: str | None = None
    buttons: tuple[dict[str, str], ...] = ()
    image: str | None = None
    custom: Any = None
    conditions: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class SessionConfig:
    """Session expiry in minutes (0 = never) and whether slots survive a new session."""

    expiration_minutes: float = 60.0
    carry_over_slots: bool = False


@dataclass(frozen=True)
class Domain:
    """Intents, entities, slots, responses, forms and actions of the bot."""

    intents: tuple[str, ...]
    entities: tuple[str, ...]
    slots: dict[str, SlotSpec]
    responses: dict[str, tuple[ResponseVariant, ...]]
    forms: dict[str, tuple[str, ...]]
    actions: tuple[str, ...]
    session: SessionConfig
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def initial_slots(self) -> dict[str, Any]:
        """Slot values of a fresh conversation."""
        values = {name: spec.initial_value for name, spec in self.slots.items()}
        values.setdefault(REQUESTED_SLOT, None)
        return values

    def as_dict(self) -> dict[str, Any]:
        """The domain as Rasa sends it to an action server (a deep copy)."""
        return copy.deepcopy(self.raw)


def from_intent(spec: SlotSpec | None, form: str, requested: str,
                intent: str) -> dict[str, Any]:
    """``{slot: value}`` if one of ``spec``'s ``from_intent`` mappings fires for ``intent``
    while ``form`` asks for ``requested`` (Rasa's semantics), else ``{}``."""
    for mapping in spec.mappings if spec else ():
        if (mapping.type == "from_intent" and intent in mapping.intent
                and mapping.active_loop in (None, form)
                and mapping.requested_slot in (None, requested)):
            return {requested: mapping.value}
    return {}


def _mapping(raw: dict[str, Any]) -> SlotMapping:
    conditions = raw.get("conditions") or [{}]
    intents = raw.get("intent") or ()
    return SlotMapping(
        type=raw["type"], entity=raw.get("entity"),
        intent=(intents,) if isinstance(intents, str) else tuple(intents),
        value=raw.get("value"), active_loop=conditions[0].get("active_loop"),
        requested_slot=conditions[0].get("requested_slot"),
    )


def _variant(raw: dict[str, Any]) -> ResponseVariant:
    conditions = tuple(
        (c["name"], c.get("value")) for c in raw.get("condition") or () if c.get("type") == "slot"
    )
    return ResponseVariant(
        text=raw.get("text"), buttons=tuple(raw.get("buttons") or ()), image=raw.get("image"),
        custom=raw.get("custom"), conditions=conditions,
    )


def _names(items: list[Any] | None) -> tuple[str, ...]:
    # Rasa allows `- name` or `- name: {options}` in intents and entities.
    return tuple(next(iter(i)) if isinstance(i, dict) else str(i) for i in items or ())


def parse_domain(raw: dict[str, Any]) -> Domain:
    """Build a ``Domain`` from the parsed YAML; raise ``InvalidInput`` on a malformed file."""
    try:
        slots = {
            name: SlotSpec(
                name=name, type=spec.get("type", "any"), initial_value=spec.get("initial_value"),
                mappings=tuple(_mapping(m) for m in spec.get("mappings") or ()),
            )
            for name, spec in (raw.get("slots") or {}).items()
        }
        responses = {
            name: tuple(_variant(v) for v in variants)
            for name, variants in (raw.get("responses") or {}).items()
        }
        forms = {
            name: tuple((spec or {}).get("required_slots") or ())
            for name, spec in (raw.get("forms") or {}).items()
        }
        session_raw = raw.get("session_config") or {}
        session = SessionConfig(
            expiration_minutes=float(session_raw.get("session_expiration_time", 60)),
            carry_over_slots=bool(session_raw.get("carry_over_slots_to_new_session", False)),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise InvalidInput(f"malformed domain: {exc}", details={"error": str(exc)}) from exc
    return Domain(
        intents=_names(raw.get("intents")), entities=_names(raw.get("entities")), slots=slots,
        responses=responses, forms=forms, actions=tuple(raw.get("actions") or ()),
        session=session, raw=raw,
    )


def load_domain(path: Path | str) -> Domain:
    """Read and parse a Rasa ``domain.yml``."""
    with open(path, encoding="utf-8") as fh:
        return parse_domain(yaml.safe_load(fh) or {})
