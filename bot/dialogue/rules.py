"""Read ``config/rules.yml`` (Rasa 3.x rules) into the two tables the engine consults.

Supported shapes (what kefu's own rules use, and what most simple Rasa bots use):
* ``steps: [intent: X, action: A, action: B, ...]``: on intent X run A, B...;
  ``action: some_form`` followed by ``active_loop: some_form`` activates the form;
* ``condition: [active_loop: F]``, ``steps: [action: F, active_loop: null, ...,
  action: A]``: when form F completes, run A...
Anything else is reported as unsupported rather than silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crm_core.errors import InvalidInput


@dataclass(frozen=True)
class RuleSet:
    """``on_intent[intent]`` and ``on_form_done[form]`` list the actions to run."""

    on_intent: dict[str, tuple[str, ...]] = field(default_factory=dict)
    on_form_done: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _actions(steps: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(step["action"] for step in steps if "action" in step)


def parse_rules(raw: dict[str, Any]) -> RuleSet:
    """Build a ``RuleSet``; raise ``InvalidInput`` for a rule kefu cannot execute."""
    on_intent: dict[str, tuple[str, ...]] = {}
    on_form_done: dict[str, tuple[str, ...]] = {}
    for rule in raw.get("rules") or ():
        name = rule.get("rule", "?")
        steps = rule.get("steps") or []
        loops = [c["active_loop"] for c in rule.get("condition") or () if "active_loop" in c]
        if loops and steps and steps[0].get("action") == loops[0]:
            on_form_done[loops[0]] = _actions(steps[1:])
        elif steps and "intent" in steps[0]:
            on_intent.setdefault(steps[0]["intent"], _actions(steps[1:]))
        else:
            raise InvalidInput(f"unsupported rule shape in rule {name!r}", details={"rule": name})
    return RuleSet(on_intent=on_intent, on_form_done=on_form_done)


def load_rules(path: Path | str) -> RuleSet:
    """Read and parse a Rasa ``rules.yml``."""
    with open(path, encoding="utf-8") as fh:
        return parse_rules(yaml.safe_load(fh) or {})
