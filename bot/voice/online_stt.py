"""SpeechRecognition's online engines (Google) as an optional backend, never a dependency.

Every call has an operation timeout and any failure (no network, quota, timeout, nothing
recognised) falls back to the offline recogniser, so a caller is always transcribed.
"""

from __future__ import annotations

import logging
import time

from bot.voice.audio import Audio
from bot.voice.expect import Expect
from bot.voice.stt import SpeechToText, Transcript, join_digits

log = logging.getLogger(__name__)

SR_LANG = {"en": "en-US", "zh": "zh-CN"}


class SpeechRecognitionSTT:
    """``speech_recognition.Recognizer.recognize_<engine>`` with a timeout and a fallback."""

    def __init__(
        self, engine: str, fallback: SpeechToText, *, timeout: float = 3.0,
        name: str | None = None,
    ) -> None:
        self.engine = engine
        self.fallback = fallback
        self.timeout = timeout
        self.name = name or f"kefu.sr_{engine}.v1"

    def transcribe(self, audio: Audio, language: str = "en",
                   expect: Expect | None = None) -> Transcript:
        """Online transcript, or the offline one when the online engine fails."""
        import speech_recognition as sr

        started = time.perf_counter()
        recognizer = sr.Recognizer()
        recognizer.operation_timeout = self.timeout
        try:
            text = getattr(recognizer, f"recognize_{self.engine}")(
                sr.AudioData(audio.pcm, audio.rate, 2), language=SR_LANG.get(language, language)
            )
        except Exception as exc:  # noqa: BLE001 - any failure means "use the offline engine"
            log.warning("%s failed (%s); falling back to %s", self.name, type(exc).__name__,
                        self.fallback.name)
            return self.fallback.transcribe(audio, language, expect)
        words = str(text).lower()
        return Transcript(join_digits(words), self.name, time.perf_counter() - started,
                          words=words, model=self.engine)
