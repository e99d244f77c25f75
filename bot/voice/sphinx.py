"""Offline speech-to-text with pocketsphinx 5: decoders kept in memory, domain model first.

Building a decoder takes about half a second, so each worker keeps a small pool of them and
reuses them for every call. Each pool slot holds a domain decoder (the model built from the
bot's own phrases with a dictionary of just their words, rebuilt in milliseconds when the
corpus changes) and, created on first need, the generic US English decoder that ships with
pocketsphinx. An utterance the domain model cannot explain at all (empty hypothesis) is
decoded again with the generic one; with no domain corpus the generic model is used.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.voice import langmodel
from bot.voice.audio import STT_RATE, Audio, resample
from bot.voice.expect import Expect
from bot.voice.pitch import median_f0
from bot.voice.stt import Transcript, join_digits

if TYPE_CHECKING:
    from pocketsphinx import Decoder

log = logging.getLogger(__name__)

# Language weight: the domain model is small and trusted, so it may weigh more than the
# generic default of 6.5 (measured: 41% -> 17% word errors on espeak voices at 16 kHz;
# 8-10 is the sweet spot, 12+ makes it worse again).
LANGUAGE_WEIGHT = 9.0
# Gaussian "comfort noise" (standard deviation in 16-bit units, about -50 dBFS) added
# before decoding: digitally silent frames (synthetic or gated audio) derail pocketsphinx's
# noise tracker and cepstral mean; real microphones never produce them (19% -> 5% WER).
COMFORT_NOISE = 100.0
# Silence (then comfort noise) put before and after every utterance: clips cut tight around
# the speech (espeak starts talking within 10 ms; VAD and push-to-talk cut close too) leave
# pocketsphinx no frames to estimate the noise floor and no room for its silence model
# (bench/voice, 3 voices at 16 kHz: 17.3% -> 14.3% word errors).
PAD_SECONDS = 0.1
# Extra pocketsphinx options for the domain decoder, tuned in bench/voice (16 kHz):
# pl_window=0 turns off the phone-loop lookahead, which prunes right words early in a small
# model (13.1% -> 11.6% on three voices, 10.3% -> 8.6% on three others, same CPU);
# wip=0.2 (word insertion penalty, default 0.65) stops short words splitting long ones
# (another -0.3 to -0.7 points). topn=8 gained less and cost 25% more CPU.
# beam=pbeam=1e-60 (default 1e-48) keeps more HMMs alive in the first pass, so a right word
# that starts badly is still there when the language model vouches for it: 25.0% -> 23.6%
# on tune_voice.py's dev set (1e-80: 23.3% at 10% more CPU; widening wbeam, the fwdflat
# beams, changing fwdflatlw, bestpathlw, uw, pip, silprob or fillprob: within +-0.3 points).
DECODER_OPTIONS: dict[str, object] = {"pl_window": 0, "wip": 0.2, "beam": 1e-60, "pbeam": 1e-60}
# Vocal-tract-length normalisation chosen by pitch, as (lowest median F0 in Hz, warp factor):
# a speaker whose voiced frames have a median F0 from 150 Hz up is decoded with the spectrum
# compressed by 1.18 (``warp_type=inverse_linear``), everyone else unwarped. Higher voices
# have higher formants than the mostly male speech the en-us acoustic model was trained on.
# Chosen in bench/voice/tune_voice.py on sentences and voices the benchmark does not use:
# three female variants 21.3/44.7/21.0% -> 19.9/34.3/18.4% word errors at 1.18 (1.12 and
# 1.24 within noise of it); male voices get worse above 1.06 (+m7 31.4 -> 42.1%), hence a
# band rather than one warp for all. bench/voice on the same audio: 9.8% -> 7.7% (+f3 19.4 ->
# 11.0%, +f2 14.8 -> 10.2%, male voices unchanged). One decoder per band per worker; the
# pitch estimate costs a few milliseconds.
WARP_BANDS: tuple[tuple[float, float], ...] = ((150.0, 1.18),)


def warp_for(f0: float, bands: Sequence[tuple[float, float]] = WARP_BANDS) -> float:
    """The frequency warp factor for a speaker with median pitch ``f0`` (1.0: none)."""
    warp = 1.0
    for lowest, factor in sorted(bands):
        if f0 >= lowest:
            warp = factor
    return warp


def pad(pcm: bytes, seconds: float, rate: int = STT_RATE) -> bytes:
    """``pcm`` with ``seconds`` of digital silence on both sides."""
    silence = b"\x00\x00" * int(seconds * rate)
    return silence + pcm + silence


def add_comfort_noise(pcm: bytes, sigma: float) -> bytes:
    """``pcm`` plus reproducible low-level Gaussian noise (no-op when ``sigma`` is 0)."""
    if sigma <= 0 or not pcm:
        return pcm
    samples = np.frombuffer(pcm, "<i2").astype(np.float32)
    samples += np.random.default_rng(len(pcm)).normal(0.0, sigma, len(samples))
    return np.clip(samples, -32768, 32767).astype("<i2").tobytes()


class DomainModel:
    """The current domain language model file, rebuilt when the NLU data or vocabulary change.

    Change detection stats the NLU files at most every ``check_every`` seconds, so a busy
    line pays nothing; a changed corpus gets a new content-addressed ARPA file.
    """

    def __init__(
        self, nlu_dir: Path | None, cache_dir: Path, products: Sequence[str] = (),
        check_every: float = 10.0,
    ) -> None:
        self.nlu_dir = nlu_dir
        self.cache_dir = cache_dir
        self.check_every = check_every
        self._products = tuple(products)
        self._lock = threading.Lock()
        self._signature: object = None
        self._checked_at = float("-inf")
        self._files: langmodel.ModelFiles | None = None

    def set_products(self, products: Sequence[str]) -> None:
        """New CRM vocabulary; the next ``path()`` call rebuilds when it differs."""
        with self._lock:
            self._products = tuple(products)
            self._checked_at = float("-inf")

    def files(self) -> langmodel.ModelFiles | None:
        """The model files to decode with (None when no corpus could be built)."""
        now = time.monotonic()
        with self._lock:
            if now - self._checked_at < self.check_every:
                return self._files
            self._checked_at = now
            signature = (langmodel.nlu_signature(self.nlu_dir), self._products)
            if signature != self._signature:
                self._signature = signature
                try:
                    corpus = langmodel.build_corpus(self.nlu_dir, self._products)
                    self._files = langmodel.write_model(corpus, self.cache_dir)
                except (OSError, ValueError) as exc:
                    log.warning("voice domain model unavailable, generic only: %s", exc)
                    self._files = None
            return self._files


class _Slot:
    """One worker's decoders: domain ones (small dictionary; one per warp factor, made on
    first need) and the generic one (lazy)."""

    def __init__(self) -> None:
        self.domain: dict[float, Decoder] = {}
        self.domain_key = ""
        self.generic: Decoder | None = None

    def decoder_for(
        self, files: langmodel.ModelFiles | None, warp: float = 1.0,
    ) -> tuple[Decoder, str]:
        """The decoder to use first and its model kind ("domain" or "generic")."""
        from pocketsphinx import Decoder

        if files is None:
            return self.generic_decoder(), "generic"
        if self.domain_key != files.key:
            self.domain, self.domain_key = {}, files.key
        if warp not in self.domain:
            # A few hundred words: building this decoder takes milliseconds.
            warping = {"warp_type": "inverse_linear", "warp_params": str(warp)} \
                if warp != 1.0 else {}
            self.domain[warp] = Decoder(
                samprate=STT_RATE, loglevel="ERROR", lw=LANGUAGE_WEIGHT,
                lm=str(files.arpa), dict=str(files.dictionary), **DECODER_OPTIONS, **warping,
            )
        return self.domain[warp], "domain"

    def generic_decoder(self) -> Decoder:
        """The generic US English model shipped with pocketsphinx (about a second to build)."""
        from pocketsphinx import Decoder

        if self.generic is None:
            self.generic = Decoder(samprate=STT_RATE, loglevel="ERROR")
        return self.generic


def _decode(decoder: Decoder, pcm: bytes) -> str:
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr.strip() if hyp is not None else ""


class PocketsphinxSTT:
    """The offline recogniser (``kefu.pocketsphinx.v1``; ``..._generic.v1`` skips the domain)."""

    def __init__(
        self, model: DomainModel | None, *, pool_size: int = 2,
        name: str = "kefu.pocketsphinx.v1", comfort_noise: float = COMFORT_NOISE,
        warp_bands: Sequence[tuple[float, float]] = WARP_BANDS,
    ) -> None:
        self.name = name
        self.comfort_noise = comfort_noise
        self.warp_bands = tuple(warp_bands)
        self.model = model
        self._pool: queue.LifoQueue[_Slot] = queue.LifoQueue()
        self._created = 0
        self._max = max(1, pool_size)
        self._create_lock = threading.Lock()

    def warm(self) -> None:
        """Build one slot's decoders and the domain model now rather than on the first call."""
        slot = self._acquire()
        try:
            files = self.model.files() if self.model else None
            for warp in {1.0, *(factor for _, factor in self.warp_bands)}:
                slot.decoder_for(files, warp)
        finally:
            self._pool.put(slot)

    def transcribe(self, audio: Audio, language: str = "en",
                   expect: Expect | None = None) -> Transcript:
        """Decode one utterance (any rate; resampled to 16 kHz). ``expect`` is not used: the
        domain model already holds the digit words."""
        started = time.perf_counter()
        speech = resample(audio, STT_RATE).pcm
        warp = warp_for(median_f0(speech, STT_RATE), self.warp_bands) if self.warp_bands else 1.0
        pcm = add_comfort_noise(pad(speech, PAD_SECONDS), self.comfort_noise)
        files = self.model.files() if self.model else None
        slot = self._acquire()
        try:
            decoder, model = slot.decoder_for(files, warp)
            words = _decode(decoder, pcm)
            if not words and model == "domain":
                # Nothing the domain model can explain: let the generic model try.
                words, model = _decode(slot.generic_decoder(), pcm), "generic"
        finally:
            self._pool.put(slot)
        words = " ".join(w.split("(")[0] for w in words.split() if not w.startswith(("<", "[")))
        return Transcript(
            text=join_digits(words), engine=self.name, words=words, model=model,
            seconds=time.perf_counter() - started,
        )

    def _acquire(self) -> _Slot:
        try:
            return self._pool.get_nowait()
        except queue.Empty:
            pass
        with self._create_lock:
            if self._created < self._max:
                self._created += 1
                return _Slot()
        return self._pool.get()
