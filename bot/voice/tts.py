"""Text-to-speech: one interface, espeak-ng offline, gTTS online with a hard deadline.

gTTS sends its requests without any timeout, so a peer that accepts and never answers
would hang a call forever. ``GTTSEngine`` therefore sends gTTS's own prepared requests
itself with connect/read timeouts, and ``FallbackTTS`` bounds the whole attempt by a fixed
time budget before speaking with espeak-ng instead. Rendered prompts are cached on disk.
"""

from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from bot.voice import espeak
from bot.voice.audio import Audio, decode
from bot.voice.errors import EngineUnavailable

log = logging.getLogger(__name__)

GTTS_LANG = {"en": "en", "zh": "zh-CN"}


@dataclass(frozen=True)
class Speech:
    """Synthesised speech: PCM (any rate) plus the MP3 the engine produced, if any."""

    audio: Audio
    engine: str
    mp3: bytes | None = None
    seconds: float = 0.0  # time taken to synthesise (0 when served from the cache)


class TextToSpeech(Protocol):
    """A synthesiser. Blocking: async callers run it in a worker thread."""

    name: str

    def synthesize(self, text: str, language: str = "en") -> Speech: ...


class EspeakTTS:
    """espeak-ng, offline, English and Mandarin voices (``kefu.espeak.v1``)."""

    name = "kefu.espeak.v1"

    def __init__(self, words_per_minute: int = 165, voices: dict[str, str] | None = None) -> None:
        self.words_per_minute = words_per_minute
        self.voices = voices or espeak.VOICES

    def synthesize(self, text: str, language: str = "en") -> Speech:
        """Speak ``text`` in ``language`` ("en" or "zh"; others fall back to English)."""
        started = time.perf_counter()
        voice = self.voices.get(language, self.voices["en"])
        audio = espeak.synthesize(text, voice=voice, words_per_minute=self.words_per_minute)
        return Speech(audio, self.name, seconds=time.perf_counter() - started)


class GTTSEngine:
    """Google Translate's voice through gTTS, with timeouts and an on-disk cache.

    ``endpoint`` replaces gTTS's Google URL (scheme and host), e.g. for a proxy or a test.
    """

    name = "kefu.gtts.v1"

    def __init__(
        self, cache_dir: Path | None, *, timeout: float = 2.0, endpoint: str | None = None,
        tld: str = "com",
    ) -> None:
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.endpoint = endpoint
        self.tld = tld

    def cache_path(self, text: str, language: str) -> Path | None:
        """Where the MP3 for this prompt is (or would be) cached."""
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.name}\0{self.tld}\0{language}\0{text}".encode()).hexdigest()
        return self.cache_dir / f"{key[:32]}.mp3"

    def synthesize(self, text: str, language: str = "en") -> Speech:
        """MP3 from the cache or from Google; EngineUnavailable on any failure."""
        cached = self.cache_path(text, language)
        if cached is not None and cached.exists():
            mp3 = cached.read_bytes()
            return Speech(decode(mp3, rate=24_000), self.name, mp3=mp3)
        started = time.perf_counter()
        mp3 = self._fetch(text, language)
        speech = Speech(decode(mp3, rate=24_000), self.name, mp3=mp3,
                        seconds=time.perf_counter() - started)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp")
            tmp.write_bytes(mp3)
            tmp.replace(cached)
        return speech

    def _fetch(self, text: str, language: str) -> bytes:
        import requests
        from gtts import gTTS

        tts = gTTS(text, lang=GTTS_LANG.get(language, language), tld=self.tld, lang_check=False)
        chunks: list[bytes] = []
        try:
            with requests.Session() as session:
                for prepared in tts._prepare_requests():  # noqa: SLF001 - gTTS has no timeout hook
                    if self.endpoint:
                        prepared.url = _rebase(prepared.url, self.endpoint)
                    response = session.send(prepared, timeout=(self.timeout, self.timeout))
                    response.raise_for_status()
                    chunks.extend(_audio_parts(response.text))
        except requests.RequestException as exc:
            raise EngineUnavailable(self.name, f"{type(exc).__name__}: {exc}") from exc
        if not chunks:
            raise EngineUnavailable(self.name, "no audio in the response")
        return b"".join(chunks)


def _rebase(url: str, endpoint: str) -> str:
    """``url`` with the scheme and host of ``endpoint`` (path and query kept)."""
    base, parts = urlsplit(endpoint), urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


_AUDIO_PART = re.compile(r'jQ1olc","\[\\"(.*?)\\"]')


def _audio_parts(body: str) -> list[bytes]:
    """The base64 MP3 pieces in a batchexecute answer (the same parsing gTTS does)."""
    return [base64.b64decode(m.group(1)) for m in _AUDIO_PART.finditer(body)]


class FallbackTTS:
    """Try ``primary`` for at most ``budget`` seconds, then speak with ``fallback``."""

    # Threads for the online attempt; a timed-out one finishes on its socket timeout.
    _pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="tts")

    def __init__(self, primary: TextToSpeech, fallback: TextToSpeech, budget: float = 2.5) -> None:
        self.primary = primary
        self.fallback = fallback
        self.budget = budget
        self.name = primary.name

    def synthesize(self, text: str, language: str = "en") -> Speech:
        """The primary engine's speech, or the fallback's within the time budget."""
        future = self._pool.submit(self.primary.synthesize, text, language)
        try:
            return future.result(timeout=self.budget)
        except Exception as exc:  # noqa: BLE001 - any failure (timeout, network, decode)
            log.warning("%s failed (%s); speaking with %s", self.primary.name,
                        type(exc).__name__, self.fallback.name)
            return self.fallback.synthesize(text, language)
