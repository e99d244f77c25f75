"""The pitch estimate that picks the recogniser's frequency warp: right for pure tones and
for espeak-ng's male and female voices, cheap, and mapped to warp bands as configured."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bot.voice import audio as va
from bot.voice import espeak
from bot.voice.pitch import median_f0
from bot.voice.sphinx import WARP_BANDS, warp_for


def tone(f0: float, seconds: float = 1.0, rate: int = 16000) -> bytes:
    """A buzzy periodic signal (a few harmonics) like voiced speech."""
    t = np.arange(int(seconds * rate)) / rate
    wave = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 6))
    return (3000 * wave).astype("<i2").tobytes()


@pytest.mark.parametrize("f0", [90.0, 120.0, 180.0, 240.0])
def test_periodic_signal_pitch(f0: float) -> None:
    assert median_f0(tone(f0), 16000) == pytest.approx(f0, rel=0.03)


def test_silence_and_noise_have_no_pitch() -> None:
    assert median_f0(b"\x00\x00" * 16000, 16000) == 0.0
    assert median_f0(b"", 16000) == 0.0
    noise = np.random.default_rng(0).normal(0, 2000, 16000).astype("<i2").tobytes()
    assert median_f0(noise, 16000) == 0.0


def test_espeak_male_and_female_voices_fall_in_different_warp_bands() -> None:
    said = "i would like to cancel my order"
    male, female = (va.resample(espeak.synthesize(said, voice=v), 16000).pcm
                    for v in ("en-us", "en-us+f3"))
    started = time.perf_counter()
    low, high = median_f0(male, 16000), median_f0(female, 16000)
    assert time.perf_counter() - started < 0.1
    assert 80 < low < 140 < 170 < high < 260
    assert warp_for(low) == 1.0 and warp_for(high) > 1.0


def test_warp_bands() -> None:
    bands = [(150.0, 1.18), (220.0, 1.25)]
    assert [warp_for(f, bands) for f in (0.0, 149.0, 150.0, 219.0, 300.0)] == \
        [1.0, 1.0, 1.18, 1.18, 1.25]
    assert warp_for(200.0, ()) == 1.0
    assert WARP_BANDS


SEEDED_RUN = """
import hashlib
from bot.voice import espeak
digest = hashlib.sha256()
for voice in ("en-us+f3", "en-gb-x-rp+f2", "en-us"):
    digest.update(espeak.synthesize("the item arrived damaged", voice=voice, seed=7).pcm)
print(digest.hexdigest())
"""


def test_seeded_espeak_runs_are_reproducible() -> None:
    """Benchmarks synthesise their clips in a fixed order with a seed: same audio every run."""
    runs = {subprocess.run([sys.executable, "-c", SEEDED_RUN], capture_output=True, text=True,
                           check=True, cwd=Path(__file__).resolve().parents[2]).stdout
            for _ in range(3)}
    assert len(runs) == 1
