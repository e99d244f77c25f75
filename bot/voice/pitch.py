"""A cheap estimate of a speaker's pitch (F0), used to pick a vocal-tract-length warp.

Higher voices tend to have shorter vocal tracts and higher formants, which the US English
acoustic model (trained mostly on adult male speech) hears less well. The median F0 of the
voiced frames, by normalised autocorrelation, takes about a millisecond per second of audio.
"""

from __future__ import annotations

import numpy as np

FRAME_SECONDS = 0.04
HOP_SECONDS = 0.02
# Search range for F0; below 70 Hz autocorrelation mostly finds subharmonics.
F0_MIN, F0_MAX = 70.0, 400.0
# A frame counts as voiced when its autocorrelation peak is this strong (0..1) ...
VOICING = 0.5
# ... and it is no more than 30 dB below the loudest frame.
ENERGY_FLOOR = 1e-3


def frame_f0(samples: np.ndarray, rate: int) -> np.ndarray:
    """F0 in Hz of each voiced frame of ``samples`` (float mono); empty when none is voiced."""
    frame, hop = int(FRAME_SECONDS * rate), int(HOP_SECONDS * rate)
    if len(samples) < frame:
        return np.empty(0)
    frames = np.lib.stride_tricks.sliding_window_view(samples, frame)[::hop]
    frames = frames - frames.mean(axis=1, keepdims=True)
    energy = np.einsum("ij,ij->i", frames, frames)
    loud = energy > ENERGY_FLOOR * energy.max() if energy.max() > 0 else energy > 0
    frames, energy = frames[loud], energy[loud]
    if not len(frames):
        return np.empty(0)
    nfft = 1 << (2 * frame - 1).bit_length()
    spectrum = np.fft.rfft(frames * np.hanning(frame), nfft)
    acf = np.fft.irfft(spectrum.real ** 2 + spectrum.imag ** 2, nfft)[:, :frame]
    acf /= np.maximum(acf[:, :1], 1e-9)
    low, high = int(rate / F0_MAX), min(int(rate / F0_MIN), frame - 1)
    lags = low + np.argmax(acf[:, low:high + 1], axis=1)
    strength = acf[np.arange(len(lags)), lags]
    return rate / lags[strength > VOICING]


def median_f0(pcm: bytes, rate: int) -> float:
    """Median F0 (Hz) of 16-bit mono ``pcm``; 0.0 when no frame is voiced."""
    f0 = frame_f0(np.frombuffer(pcm, "<i2").astype(np.float32), rate)
    return float(np.median(f0)) if len(f0) else 0.0
