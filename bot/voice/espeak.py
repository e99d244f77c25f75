"""espeak-ng in-process through ctypes (the library and data bundled by ``espeakng-loader``).

espeak-ng keeps global state (one voice, one callback), so one process-wide synthesiser
guarded by a lock serialises calls; a sentence takes a few milliseconds. When the bundled
library cannot load, the Debian ``espeak-ng`` command is used instead.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import threading

from bot.voice.audio import Audio, decode
from bot.voice.errors import EngineUnavailable

AUDIO_OUTPUT_SYNCHRONOUS = 2
POS_CHARACTER = 1
ESPEAK_CHARS_UTF8 = 1
ESPEAK_RATE = 1
# Voices per language; "zh" is Mandarin (espeak-ng's "cmn").
VOICES = {"en": "en-us", "zh": "cmn"}

_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Library:
    """The loaded libespeak-ng with its synchronous callback collecting samples."""

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.cdll.LoadLibrary(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [
            ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int
        ]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
        data = espeakng_loader.get_data_path().encode()
        self.rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if self.rate <= 0:
            raise OSError(f"espeak_Initialize failed ({self.rate})")
        self._chunks: list[bytes] = []
        self._callback = _CALLBACK(self._collect)  # keep a reference: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, count, _events) -> int:  # noqa: ANN001 - ctypes signature
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def synth(self, text: str, voice: str, words_per_minute: int, seed: int | None) -> Audio:
        self._chunks = []
        if seed is not None:
            self.lib.espeak_ng_SetRandSeed(seed)
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineUnavailable("kefu.espeak.v1", f"no espeak-ng voice {voice!r}")
        self.lib.espeak_SetParameter(ESPEAK_RATE, words_per_minute, 0)
        raw = text.encode("utf-8") + b"\x00"
        status = self.lib.espeak_Synth(
            raw, len(raw), 0, POS_CHARACTER, 0, ESPEAK_CHARS_UTF8, None, None
        )
        if status != 0:
            raise EngineUnavailable("kefu.espeak.v1", f"espeak_Synth returned {status}")
        return Audio(b"".join(self._chunks), self.rate)


_lock = threading.Lock()
_library: _Library | None = None
_library_failed = False


def _get_library() -> _Library | None:
    global _library, _library_failed  # noqa: PLW0603 - the C library is process-global anyway
    if _library is None and not _library_failed:
        try:
            _library = _Library()
        except (OSError, ImportError, AttributeError):
            _library_failed = True
    return _library


def synthesize(
    text: str, *, voice: str = "en-us", words_per_minute: int = 175, seed: int | None = None,
) -> Audio:
    """Speak ``text`` with an espeak-ng voice; returns PCM at espeak's rate (22050 Hz).

    Voice variants with breath or flutter (``+f2``, ``+f3``, ...) draw random numbers, so the
    same text sounds slightly different on every run; a ``seed`` makes a process's sequence of
    calls exactly reproducible (benchmarks need that: unseeded, one voice's word error rate
    moved by four points between two runs). espeak-ng also keeps some waveform state from
    call to call, so the same seeded call can still differ within one process. The
    command-line fallback ignores the seed.
    """
    with _lock:
        library = _get_library()
        if library is not None:
            return library.synth(text, voice, words_per_minute, seed)
    return _synthesize_cli(text, voice, words_per_minute)


def _synthesize_cli(text: str, voice: str, words_per_minute: int) -> Audio:
    """The Debian ``espeak-ng`` binary as a fallback when the bundled library is absent."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise EngineUnavailable("kefu.espeak.v1", "neither espeakng-loader nor espeak-ng found")
    proc = subprocess.run(
        [binary, "-v", voice, "-s", str(words_per_minute), "--stdout", text],
        capture_output=True, timeout=30, check=False,
    )
    if proc.returncode != 0 or not proc.stdout:
        raise EngineUnavailable("kefu.espeak.v1", proc.stderr.decode(errors="replace")[:200])
    # espeak-ng writes a streaming WAV whose size fields are 0xFFFFFFFF; fix before parsing.
    data = bytearray(proc.stdout)
    data[4:8] = (len(data) - 8).to_bytes(4, "little")
    data[40:44] = (len(data) - 44).to_bytes(4, "little")
    return decode(bytes(data), rate=22050)
