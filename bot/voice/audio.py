"""Audio in and out: decode any upload to mono 16-bit PCM at the rate a recogniser wants.

WAV with integer PCM takes a fast path through the standard library; everything else
(FLAC, webm/opus from browsers, ogg, mp3, float WAV) goes through PyAV in-process.
Resampling uses a polyphase filter (scipy), which is exact for the usual 8/16/22.05/48 kHz.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from math import gcd

import numpy as np

from bot.voice.errors import AudioTooLarge, EmptyAudio, UnsupportedAudio

STT_RATE = 16_000
PHONE_RATE = 8_000
# Content types a client may declare for /voice/turn; None/"" and octet-stream mean "sniff".
SUPPORTED_TYPES = frozenset({
    "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/flac", "audio/x-flac",
    "audio/webm", "video/webm", "audio/ogg", "application/ogg", "audio/mpeg", "audio/mp3",
    "audio/mp4", "audio/aac", "application/octet-stream",
})


@dataclass(frozen=True)
class Audio:
    """Mono signed 16-bit little-endian PCM at ``rate`` Hz."""

    pcm: bytes
    rate: int

    @property
    def seconds(self) -> float:
        """Duration in seconds."""
        return len(self.pcm) / 2 / self.rate

    def samples(self) -> np.ndarray:
        """The samples as an int16 array (a view, do not write)."""
        return np.frombuffer(self.pcm, dtype="<i2")


def base_type(content_type: str | None) -> str:
    """``audio/webm;codecs=opus`` -> ``audio/webm`` (lower case, no parameters)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def check_content_type(content_type: str | None) -> None:
    """Raise UnsupportedAudio for a declared type we will not try to decode."""
    kind = base_type(content_type)
    if kind and kind not in SUPPORTED_TYPES:
        raise UnsupportedAudio(f"content type {kind!r} is not audio", content_type=kind)


def decode(
    data: bytes, *, rate: int = STT_RATE, content_type: str | None = None,
    max_seconds: float | None = None,
) -> Audio:
    """Decode audio bytes of any supported container to mono s16 PCM at ``rate``."""
    check_content_type(content_type)
    if not data:
        raise EmptyAudio()
    audio = _decode_wav(data) if data[:4] == b"RIFF" and data[8:12] == b"WAVE" else None
    if audio is None:
        audio = _decode_av(data, rate, content_type)
    if not audio.pcm:
        raise EmptyAudio()
    if max_seconds is not None and audio.seconds > max_seconds:
        raise AudioTooLarge("seconds", round(audio.seconds, 2), max_seconds)
    return resample(audio, rate)


def _decode_wav(data: bytes) -> Audio | None:
    """Integer PCM WAV via the standard library; None when PyAV must handle it (float, ...)."""
    try:
        with wave.open(io.BytesIO(data)) as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError):
        return None
    if width == 1:
        samples = (np.frombuffer(frames, np.uint8).astype(np.int16) - 128) << 8
    elif width == 2:
        samples = np.frombuffer(frames[: len(frames) // 2 * 2], "<i2")
    elif width == 4:
        samples = (np.frombuffer(frames[: len(frames) // 4 * 4], "<i4") >> 16).astype(np.int16)
    else:
        return None
    if channels > 1:
        samples = samples[: len(samples) // channels * channels].reshape(-1, channels)
        samples = samples.astype(np.int32).mean(axis=1).astype(np.int16)
    return Audio(samples.astype("<i2").tobytes(), rate)


def _decode_av(data: bytes, rate: int, content_type: str | None) -> Audio:
    """Decode a compressed container with PyAV, resampled to mono s16 at ``rate``."""
    import av

    chunks: list[bytes] = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise UnsupportedAudio("no audio stream", content_type=base_type(content_type))
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(bytes(out.planes[0])[: out.samples * 2])
            for out in resampler.resample(None):
                chunks.append(bytes(out.planes[0])[: out.samples * 2])
    except UnsupportedAudio:
        raise
    except Exception as exc:  # noqa: BLE001 - PyAV raises many kinds on garbage input
        raise UnsupportedAudio(
            f"cannot decode ({type(exc).__name__})", content_type=base_type(content_type)
        ) from exc
    return Audio(b"".join(chunks), rate)


def resample(audio: Audio, rate: int) -> Audio:
    """The same sound at another sample rate (polyphase FIR, no-op when equal)."""
    if audio.rate == rate or not audio.pcm:
        return Audio(audio.pcm, rate)
    from scipy.signal import resample_poly

    g = gcd(audio.rate, rate)
    out = resample_poly(audio.samples().astype(np.float32), rate // g, audio.rate // g)
    return Audio(np.clip(np.round(out), -32768, 32767).astype("<i2").tobytes(), rate)


def to_wav(audio: Audio) -> bytes:
    """A mono 16-bit WAV file holding ``audio``."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(audio.rate)
        wav.writeframes(audio.pcm)
    return buf.getvalue()


def to_mp3(audio: Audio, bitrate: int = 48_000) -> bytes:
    """An MP3 file holding ``audio`` (for browsers that prefer a compressed answer)."""
    import av

    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=audio.rate)
        stream.bit_rate = bitrate
        stream.layout = "mono"
        frame_samples = 1152
        samples = audio.samples()
        for start in range(0, len(samples), frame_samples):
            chunk = samples[start:start + frame_samples].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
            frame.sample_rate = audio.rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buf.getvalue()


def silence(seconds: float, rate: int) -> Audio:
    """Digital silence (used to pad turns and tests)."""
    return Audio(b"\x00\x00" * int(seconds * rate), rate)
