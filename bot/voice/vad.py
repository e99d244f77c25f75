"""End-of-turn detection for streamed phone audio: an energy voice-activity detector.

Frames louder than an adaptive threshold are speech; a turn ends after ``hangover``
seconds of quiet following at least ``min_speech`` seconds of speech. A little audio
before the first loud frame is kept so word onsets are not clipped.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np


@dataclass
class VadConfig:
    """Thresholds in seconds and 16-bit RMS units."""

    hangover: float = 0.4
    min_speech: float = 0.12
    pre_roll: float = 0.2
    max_turn: float = 15.0
    min_rms: float = 300.0
    noise_factor: float = 3.0


class EnergyVad:
    """Feed PCM frames; ``push`` returns a whole utterance (bytes) when a turn ends."""

    def __init__(self, rate: int, config: VadConfig | None = None) -> None:
        self.rate = rate
        self.config = config or VadConfig()
        self.reset()

    def reset(self) -> None:
        """Forget everything (e.g. after the bot has spoken)."""
        self._pre: deque[bytes] = deque()
        self._pre_bytes = 0
        self._turn: list[bytes] = []
        self._speech = 0.0
        self._quiet = 0.0
        self._noise = self.config.min_rms / self.config.noise_factor

    @property
    def in_speech(self) -> bool:
        """True while a turn is being collected."""
        return bool(self._turn)

    def _is_loud(self, frame: bytes) -> bool:
        samples = np.frombuffer(frame[: len(frame) // 2 * 2], "<i2").astype(np.float32)
        rms = float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0
        loud = rms > max(self.config.min_rms, self._noise * self.config.noise_factor)
        if not loud:  # track the background level slowly
            self._noise = 0.95 * self._noise + 0.05 * rms
        return loud

    def push(self, frame: bytes) -> bytes | None:
        """Add one frame; the finished utterance when this frame ends a turn, else None."""
        seconds = len(frame) / 2 / self.rate
        loud = self._is_loud(frame)
        if not self._turn:
            if not loud:
                self._keep_pre_roll(frame)
                return None
            self._turn = [*self._pre, frame]
            self._pre.clear()
            self._pre_bytes = 0
            self._speech, self._quiet = seconds, 0.0
            return None
        self._turn.append(frame)
        if loud:
            self._speech += seconds
            self._quiet = 0.0
        else:
            self._quiet += seconds
        total = sum(len(f) for f in self._turn) / 2 / self.rate
        if self._quiet >= self.config.hangover or total >= self.config.max_turn:
            utterance, long_enough = b"".join(self._turn), self._speech >= self.config.min_speech
            self.reset()
            return utterance if long_enough else None
        return None

    def _keep_pre_roll(self, frame: bytes) -> None:
        self._pre.append(frame)
        self._pre_bytes += len(frame)
        limit = int(self.config.pre_roll * self.rate) * 2
        while self._pre and self._pre_bytes - len(self._pre[0]) >= limit:
            self._pre_bytes -= len(self._pre.popleft())
