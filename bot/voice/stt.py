"""Speech-to-text: one interface, the transcript type, and the digit clean-up callers need."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from bot.voice.audio import Audio
from bot.voice.expect import Expect
from bot.voice.langmodel import DIGIT_WORDS


@dataclass(frozen=True)
class Transcript:
    """What a recogniser heard: ``text`` with digit runs joined (``order 12345``)."""

    text: str
    engine: str
    seconds: float
    words: str = ""  # the raw word string, digits still spelled out
    model: str = ""  # "domain" | "generic" | the online engine's name
    confidence: float | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-able form for the HTTP and CLI edges."""
        return {
            "text": self.text, "engine": self.engine, "seconds": round(self.seconds, 4),
            "model": self.model, "confidence": self.confidence,
        }


class SpeechToText(Protocol):
    """A recogniser. Blocking: async callers run it in a worker thread."""

    name: str

    def transcribe(self, audio: Audio, language: str = "en",
                   expect: Expect | None = None) -> Transcript:
        """Recognise one utterance; ``expect`` is a hint for it (engines may ignore it)."""
        ...


_DIGIT_RUN = re.compile(
    r"\b(?:(?:" + "|".join(DIGIT_WORDS) + r"|oh)\s+){2,}(?:" + "|".join(DIGIT_WORDS) + r"|oh)\b"
)
_DIGIT_OF = {w: str(i) for i, w in enumerate(DIGIT_WORDS)} | {"oh": "0"}
# Spelled order / ticket prefixes in front of a number: "k f 10432" -> "KF-10432".
_PREFIXED = re.compile(r"\b(k f|t k|t) (\d{3,})\b")


def join_digits(words: str) -> str:
    """Three or more spelled digits in a row become a number: ``one two three`` -> ``123``;
    a spelled order or ticket prefix joins it (``k f one two three`` -> ``KF-123``)."""
    from bot.voice.spoken import normalize_emails

    text = _DIGIT_RUN.sub(lambda m: "".join(_DIGIT_OF[w] for w in m.group().split()), words)
    text = _PREFIXED.sub(lambda m: f"{m.group(1).replace(' ', '').upper()}-{m.group(2)}", text)
    return normalize_emails(text)  # "j dot smith at example dot com" (bot/voice/spoken.py)
