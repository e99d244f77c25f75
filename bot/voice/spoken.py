"""Spoken forms -> written forms before NLU: order numbers, digit strings, spelled emails.

Callers read numbers digit by digit, in groups, with "oh" for zero and "double seven";
recognisers write them as words, digits or a mix (``K F one two nine, nine six zero``,
``KF 129-960``, ``k.f. 1 2 9 9 6 0``). All of these become ``KF-129960``, the form the NLU and
the identity checks know. A spelled email (``j dot smith at example dot com``) becomes
``j.smith@example.com``. Ordinary numbers ("1850", "two or three") are left alone.
"""

from __future__ import annotations

import re

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_DIGIT = {w: str(i) for i, w in enumerate(DIGIT_WORDS)} | {"oh": "0", "o": "0"}
_REPEAT = {"double": 2, "triple": 3}
# Order / ticket prefixes as callers spell them (letters, possibly with dots or hyphens).
_PREFIXES = {"kf": "KF", "tk": "TK"}
_TOKEN = re.compile(r"[A-Za-z]+|\d+")
_GAP = re.compile(r"[\s,\-]*|\.\s*|\s*-\s*")  # what may stand between two parts of a number
_PREFIX_GAP = re.compile(r"[\s.\-]*")
MIN_DIGITS = 3

_TLD = r"(?:com|org|net|edu|gov|io|co|uk|de|fr|cn|jp|info|biz|me|us|ca|au|nl|es|it)"
_SEP_WORDS = {"dot": ".", "underscore": "_", "dash": "-", "hyphen": "-", "period": "."}
_EMAIL = re.compile(
    r"\b(?P<local>[a-z0-9]+(?:(?:\s+(?:dot|underscore|dash|hyphen|period)\s+|[._-])[a-z0-9]+)*)"
    r"\s+(?:at|@)\s+"
    r"(?P<domain>[a-z0-9]+(?:(?:\s+(?:dot|period)\s+|\s*\.\s*)[a-z0-9]+)*"
    r"(?:\s+(?:dot|period)\s+|\s*\.\s*)" + _TLD + r")\b",
    re.IGNORECASE,
)
_SEP = re.compile(r"\s+(dot|underscore|dash|hyphen|period)\s+|\s*\.\s*", re.IGNORECASE)


def _digits_of(word: str) -> str | None:
    low = word.lower()
    if low.isdigit():
        return word
    return _DIGIT.get(low)


def _email(match: re.Match[str]) -> str:
    def join(part: str) -> str:
        return _SEP.sub(lambda m: _SEP_WORDS.get((m.group(1) or "dot").lower(), "."), part)

    return f"{join(match.group('local')).lower()}@{join(match.group('domain')).lower()}"


def normalize_emails(text: str) -> str:
    """``j dot smith at example dot com`` -> ``j.smith@example.com``."""
    return _EMAIL.sub(_email, text)


def _prefix_before(text: str, tokens: list[re.Match[str]], index: int) -> tuple[int, str] | None:
    """(start offset, prefix) when the tokens just before ``index`` spell an order prefix."""
    letters = ""
    start = None
    j = index - 1
    end = tokens[index].start()
    while j >= 0 and len(letters) < 2:
        tok = tokens[j]
        if not tok.group().isalpha() or not _PREFIX_GAP.fullmatch(text[tok.end():end]):
            break
        letters = tok.group().lower() + letters
        start, end = tok.start(), tok.start()
        j -= 1
        if letters in _PREFIXES:
            return start, _PREFIXES[letters]
    return None


def normalize_numbers(text: str) -> str:
    """Digit strings spoken or written in pieces become one number (with its order prefix)."""
    tokens = list(_TOKEN.finditer(text))
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(tokens):
        run_digits = ""
        spelled = False
        longest = 0
        dotted = False
        j = i
        while j < len(tokens):
            word = tokens[j].group()
            low = word.lower()
            gap = text[tokens[j - 1].end():tokens[j].start()] if j > i else ""
            if j > i and not _GAP.fullmatch(gap):
                break
            dotted = dotted or gap == "."
            if low in _REPEAT and j + 1 < len(tokens):
                nxt = _digits_of(tokens[j + 1].group())
                if nxt is not None and len(nxt) == 1 and _GAP.fullmatch(
                        text[tokens[j].end():tokens[j + 1].start()]):
                    run_digits += nxt * _REPEAT[low]
                    spelled = True
                    j += 2
                    continue
                break
            digits = _digits_of(word)
            if digits is None or (low in ("oh", "o") and j == i):
                break
            spelled = spelled or not word.isdigit()
            longest = max(longest, len(digits) if word.isdigit() else 0)
            run_digits += digits
            j += 1
        prefix = _prefix_before(text, tokens, i) if j > i else None
        pieces = j - i
        joinable = len(run_digits) >= MIN_DIGITS and (
            prefix is not None or (pieces >= 2 and not dotted and (spelled or longest <= 3)))
        if joinable:
            start = prefix[0] if prefix else tokens[i].start()
            out.append(text[pos:start])
            out.append(f"{prefix[1]}-{run_digits}" if prefix else run_digits)
            pos = tokens[j - 1].end()
            i = j
        else:
            i += 1
    out.append(text[pos:])
    return "".join(out)


def normalize_spoken(text: str) -> str:
    """Emails first (their local part may hold digits), then numbers."""
    return normalize_numbers(normalize_emails(text)).strip()
