"""Speech engines by versioned name, chosen in settings (``KEFU_VOICE_STT_ENGINE`` ...).

``kefu.whisper.v1``               offline Whisper tiny.en (faster-whisper, int8), prompted with the
                                 domain; pocketsphinx when the model is not installed (default)
``kefu.pocketsphinx.v1``          offline, domain model first, generic fallback
``kefu.pocketsphinx_generic.v1``  offline, generic model only (baseline for benchmarks)
``kefu.sr_google.v1``             SpeechRecognition's Google engine, offline on failure
``kefu.espeak.v1``                espeak-ng, offline (default voice)
``kefu.gtts.v1``                  Google Translate voice, espeak-ng within a time budget
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.voice.errors import UnknownEngine
from bot.voice.stt import SpeechToText
from bot.voice.tts import TextToSpeech

log = logging.getLogger(__name__)

DEFAULT_STT = "kefu.whisper.v1"
DEFAULT_TTS = "kefu.espeak.v1"


@dataclass(frozen=True)
class VoiceConfig:
    """What the engine factories need, taken from Settings once."""

    data_dir: Path
    nlu_dir: Path | None
    products: Sequence[str] = ()
    stt_timeout: float = 3.0
    tts_timeout: float = 2.0
    tts_budget: float = 2.5
    gtts_endpoint: str | None = None
    decoders: int = 2
    whisper_model_dir: Path | None = None
    stt_threads: int = 1

    @property
    def cache_dir(self) -> Path:
        """Generated language models and rendered prompts live here."""
        return self.data_dir / "voice"


def _pocketsphinx(config: VoiceConfig) -> SpeechToText:
    from bot.voice.sphinx import DomainModel, PocketsphinxSTT

    model = DomainModel(config.nlu_dir, config.cache_dir / "lm", config.products)
    return PocketsphinxSTT(model, pool_size=config.decoders)


def _pocketsphinx_generic(config: VoiceConfig) -> SpeechToText:
    from bot.voice.sphinx import PocketsphinxSTT

    return PocketsphinxSTT(None, pool_size=config.decoders, name="kefu.pocketsphinx_generic.v1")


def _whisper(config: VoiceConfig) -> SpeechToText:
    from bot.voice import whisper

    path = whisper.model_dir(config.whisper_model_dir)
    if path is None or not whisper.available(config.whisper_model_dir):
        log.warning("voice: no Whisper model installed (pip install kefu's voice extras); "
                    "using pocketsphinx")
        return _pocketsphinx(config)
    return whisper.WhisperSTT(path, products=config.products, threads=config.stt_threads,
                              pool_size=config.decoders)


def _sr_google(config: VoiceConfig) -> SpeechToText:
    from bot.voice.online_stt import SpeechRecognitionSTT

    return SpeechRecognitionSTT("google", _pocketsphinx(config), timeout=config.stt_timeout)


def _espeak(config: VoiceConfig) -> TextToSpeech:
    from bot.voice.tts import EspeakTTS

    return EspeakTTS()


def _gtts(config: VoiceConfig) -> TextToSpeech:
    from bot.voice.tts import EspeakTTS, FallbackTTS, GTTSEngine

    online = GTTSEngine(config.cache_dir / "tts", timeout=config.tts_timeout,
                        endpoint=config.gtts_endpoint)
    return FallbackTTS(online, EspeakTTS(), budget=config.tts_budget)


STT_ENGINES: dict[str, Callable[[VoiceConfig], SpeechToText]] = {
    "kefu.whisper.v1": _whisper,
    "kefu.pocketsphinx.v1": _pocketsphinx,
    "kefu.pocketsphinx_generic.v1": _pocketsphinx_generic,
    "kefu.sr_google.v1": _sr_google,
}
TTS_ENGINES: dict[str, Callable[[VoiceConfig], TextToSpeech]] = {
    "kefu.espeak.v1": _espeak,
    "kefu.gtts.v1": _gtts,
}


def make_stt(name: str, config: VoiceConfig) -> SpeechToText:
    """The speech-to-text engine registered as ``name``."""
    if name not in STT_ENGINES:
        raise UnknownEngine("stt", name, sorted(STT_ENGINES))
    return STT_ENGINES[name](config)


def make_tts(name: str, config: VoiceConfig) -> TextToSpeech:
    """The text-to-speech engine registered as ``name``."""
    if name not in TTS_ENGINES:
        raise UnknownEngine("tts", name, sorted(TTS_ENGINES))
    return TTS_ENGINES[name](config)
