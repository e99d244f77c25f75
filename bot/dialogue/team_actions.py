"""A team's own Rasa actions, kept as they are: imported in process from Python packages
(``KEFU_ACTION_PACKAGES``) or called on their running rasa-sdk action server
(``KEFU_ACTION_ENDPOINT``, the ``action_endpoint`` of Rasa's ``endpoints.yml``).

The remote call speaks rasa-sdk's ``/webhook`` protocol (PROTOCOLS.md section 4) exactly
as Rasa Open Source does, so an action server written for Rasa needs no change. This lives
outside ``bot.actions`` on purpose: rasa-sdk's server registers every ``Action`` subclass it
can see there and would try to build ``RemoteAction`` with no arguments.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
from collections.abc import Iterable, Mapping
from typing import Any

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from crm_core.errors import InvalidInput, ServiceUnavailable

log = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"  # what kefu announces to action servers in the webhook body
# Keys of an action server's response that ``utter_message`` accepts as they are.
RESPONSE_KEYS = ("text", "image", "json_message", "response", "attachment", "buttons",
                 "elements")


class ActionPackageError(InvalidInput):
    """``KEFU_ACTION_PACKAGES`` names a module that cannot be imported or has no actions."""

    code = "action_package_invalid"


def _modules(package: str) -> Iterable[Any]:
    """The module ``package`` and, when it is a package, all its submodules."""
    module = importlib.import_module(package)
    yield module
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=f"{package}."):
        yield importlib.import_module(info.name)


def load_action_packages(packages: Iterable[str]) -> dict[str, Action]:
    """Every concrete ``rasa_sdk.Action`` subclass defined in ``packages``, built with no
    arguments (as rasa-sdk's own server builds them), by ``name()``."""
    actions: dict[str, Action] = {}
    for package in packages:
        try:
            modules = list(_modules(package))
        except ImportError as exc:
            raise ActionPackageError(f"cannot import action package {package!r}: {exc}",
                                     details={"package": package}) from exc
        found = 0
        for module in modules:
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if (issubclass(cls, Action) and cls.__module__ == module.__name__
                        and not inspect.isabstract(cls)):
                    action = cls()
                    actions[action.name()] = action
                    found += 1
        if not found:
            raise ActionPackageError(f"action package {package!r} defines no rasa_sdk.Action",
                                     details={"package": package})
    return actions


class RemoteAction(Action):
    """One action run by a rasa-sdk action server over HTTP."""

    def __init__(self, action_name: str, endpoint: str, session: aiohttp.ClientSession,
                 timeout: float = 10.0) -> None:
        self._name, self.endpoint, self.session = action_name, endpoint, session
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    def name(self) -> str:
        """The action's name in the domain."""
        return self._name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Mapping[str, Any]) -> list[dict[str, Any]]:
        """POST Rasa's webhook body; replay the server's responses and return its events."""
        body = {"next_action": self._name, "sender_id": tracker.sender_id,
                "tracker": tracker.current_state(), "domain": dict(domain),
                "version": RASA_VERSION}
        try:
            async with self.session.post(self.endpoint, json=body,
                                         timeout=self.timeout) as resp:
                payload = await resp.json(content_type=None)
                status = resp.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ServiceUnavailable(f"action server at {self.endpoint} failed on "
                                     f"{self._name}: {exc!r}",
                                     details={"action": self._name}) from exc
        if status != 200 or not isinstance(payload, dict):
            # 400: ActionExecutionRejection; 404: the server has no such action.
            raise ServiceUnavailable(f"action server answered {status} for {self._name}: "
                                     f"{payload!r}"[:500], details={"action": self._name,
                                                                     "status": status})
        for response in payload.get("responses") or []:
            self._replay(dispatcher, response)
        return [e for e in payload.get("events") or [] if isinstance(e, dict)]

    @staticmethod
    def _replay(dispatcher: CollectingDispatcher, response: Any) -> None:
        if not isinstance(response, dict):
            return
        kwargs = {k: response[k] for k in RESPONSE_KEYS if response.get(k) is not None}
        if response.get("template") and "response" not in kwargs:  # Rasa 2 name
            kwargs["response"] = response["template"]
        if response.get("custom") is not None:
            kwargs["json_message"] = response["custom"]
        extra = {k: v for k, v in response.items()
                 if k not in (*RESPONSE_KEYS, "template", "custom", "recipient_id")}
        dispatcher.utter_message(**kwargs, **extra)

