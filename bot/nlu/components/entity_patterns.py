"""Built-in regular expressions for kefu's entities (English and Chinese forms).

Order numbers: kefu's CRM numbers orders ``KF-`` + digits (``KF-100001``); customers also
type the bare digits (5-10 of them) or "kf100001". Values are normalised to the CRM's form
(``normalize``). Tickets are ``T-`` / ``TK-`` + digits, or digits right after the word
"ticket" / "case" / "工单". A digit string that is part of an email, a phone number, an
amount or a date is not an order number: the extractor keeps the earliest, longest match
in the order the patterns are listed here.
"""

from __future__ import annotations

import re

_NO_ALNUM_BEFORE = r"(?<![A-Za-z0-9@._-])"
_NO_ALNUM_AFTER = r"(?![A-Za-z0-9])"
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_WEEKDAYS = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?"
_CURRENCY_WORDS = (r"(?:dollars?|bucks|usd|us\$|eur(?:os?)?|gbp|pounds?|rmb|cny|yuan|元|"
                   r"块钱?|美元|美金|欧元|英镑|人民币)")

# (entity, pattern); the first listed wins when matches overlap at the same start.
BUILTIN_PATTERNS: list[tuple[str, str]] = [
    ("email", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    ("ticket_number", _NO_ALNUM_BEFORE + r"(?:TK|TKT|T)-?\d{3,10}" + _NO_ALNUM_AFTER),
    ("order_number", _NO_ALNUM_BEFORE + r"(?:KF|ORD)-?\d{4,12}" + _NO_ALNUM_AFTER),
    # Phone: an international prefix, or separators, or a Chinese 11-digit mobile number.
    ("phone", r"(?<![\d\w])\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}(?!\d)"),
    ("phone", r"(?<!\d)\(?\d{3}\)?[\s.-]\d{3,4}[\s.-]\d{4}(?!\d)"),
    ("phone", r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    ("money", r"(?:[$€£¥￥]|us\$|rmb|usd|eur)\s?\d+(?:[,.]\d+)*(?:\s?(?:k|元))?"),
    ("money", r"(?<![\d.])\d+(?:[,.]\d+)*\s?" + _CURRENCY_WORDS),
    ("date", r"(?<!\d)\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)"),
    ("date", r"(?<!\d)\d{4}年\d{1,2}月\d{1,2}[日号]"),
    ("date", r"(?<!\d)\d{1,2}月\d{1,2}[日号]"),
    ("date", r"(?<![\d/])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\d/])"),
    ("date", r"\b" + _MONTHS + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?\b"),
    ("date", r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTHS + r"(?:,?\s+\d{4})?\b"),
    ("date", r"\b(?:today|tomorrow|yesterday|tonight|(?:last|next|this)\s+(?:week|month|"
             + _WEEKDAYS + r")|(?:on\s+)?" + _WEEKDAYS + r")\b"),
    ("date", r"(?:今天|明天|昨天|前天|后天|大前天|上周[一二三四五六日天]?|下周[一二三四五六日天]?|"
             r"这周[一二三四五六日天]?|本周|上个?月|下个?月|周[一二三四五六日天]|星期[一二三四五六日天])"),
    # Bare digits: a ticket when the word before says so, otherwise an order number.
    ("ticket_number", r"(?i:ticket|case|工单|投诉单)\s*(?:no\.?|number|#|号|编号)?\s*[:：#]?\s*"
                      r"(?P<value>\d{3,10})(?!\d)"),
    ("order_number", r"(?<![\d.,$€£¥￥/-])#?(?P<value>\d{5,10})(?![\d/]|\.\d|\s?(?:元|块|"
                     r"dollars?|usd|rmb|yuan|%))"),
]


def normalize(entity: str, value: str) -> str:
    """Canonical form the CRM looks up: ``KF-<digits>`` orders, ``T-<digits>`` tickets.

    Bare order digits stay as typed (imported invoices have plain numbers).
    """
    if entity == "order_number":
        match = re.fullmatch(r"(?:KF|ORD)-?(\d+)", value, re.IGNORECASE)
        return f"KF-{match.group(1)}" if match else value.lstrip("#")
    if entity == "ticket_number":
        digits = re.sub(r"\D", "", value)
        return f"T-{digits}" if digits else value
    return value


def compile_patterns(patterns: list[tuple[str, str]]) -> list[tuple[str, re.Pattern[str]]]:
    """Compile case-insensitively."""
    return [(name, re.compile(p, re.IGNORECASE)) for name, p in patterns]
