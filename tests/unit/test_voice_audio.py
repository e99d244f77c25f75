"""Audio decoding, resampling, encoders, digit clean-up and the energy VAD."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from bot.voice import audio as va
from bot.voice.errors import AudioTooLarge, EmptyAudio, UnsupportedAudio
from bot.voice.langmodel import normalize, spell_digits
from bot.voice.stt import join_digits
from bot.voice.vad import EnergyVad


def tone(seconds: float, rate: int, freq: float = 440.0, amp: int = 8000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype("<i2")


def wav_bytes(samples: np.ndarray, rate: int, channels: int = 1, width: int = 2) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return buf.getvalue()


def encode_with_av(samples: np.ndarray, rate: int, fmt: str, codec: str) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buf.getvalue()


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_wav_any_rate_becomes_16k_mono(rate: int) -> None:
    decoded = va.decode(wav_bytes(tone(1.0, rate), rate))
    assert decoded.rate == 16000
    assert abs(len(decoded.samples()) - 16000) <= 2


def test_stereo_and_8bit_wav() -> None:
    stereo = np.repeat(tone(0.5, 16000), 2)
    assert abs(va.decode(wav_bytes(stereo, 16000, channels=2)).seconds - 0.5) < 0.01
    eight_bit = ((tone(0.5, 8000) >> 8) + 128).astype(np.uint8)
    decoded = va.decode(wav_bytes(eight_bit, 8000, width=1))
    assert abs(decoded.seconds - 0.5) < 0.01 and np.abs(decoded.samples()).max() > 4000


@pytest.mark.parametrize(("fmt", "codec", "rate"), [
    ("webm", "libopus", 48000), ("ogg", "libopus", 48000), ("flac", "flac", 44100),
    ("mp3", "libmp3lame", 24000),
])
def test_compressed_containers_decode(fmt: str, codec: str, rate: int) -> None:
    data = encode_with_av(tone(1.0, rate), rate, fmt, codec)
    decoded = va.decode(data, content_type=f"audio/{fmt}")
    assert decoded.rate == 16000
    assert 0.9 < decoded.seconds < 1.2
    assert np.abs(decoded.samples()).max() > 2000  # the tone survived, not silence


def test_bad_inputs_raise_clear_errors() -> None:
    with pytest.raises(EmptyAudio):
        va.decode(b"")
    with pytest.raises(UnsupportedAudio):
        va.decode(b"this is not audio at all" * 20)
    with pytest.raises(UnsupportedAudio) as info:
        va.decode(wav_bytes(tone(0.1, 8000), 8000), content_type="text/plain")
    assert info.value.details["content_type"] == "text/plain"
    with pytest.raises(AudioTooLarge):
        va.decode(wav_bytes(tone(2.0, 8000), 8000), max_seconds=1.0)
    with pytest.raises(EmptyAudio):
        va.decode(wav_bytes(np.zeros(0, "<i2"), 8000))


def test_wav_and_mp3_writers_round_trip() -> None:
    clip = va.Audio(tone(0.5, 16000).tobytes(), 16000)
    assert va.decode(va.to_wav(clip)).pcm == clip.pcm
    back = va.decode(va.to_mp3(clip))
    assert 0.45 < back.seconds < 0.6


def test_resample_to_phone_rate() -> None:
    phone = va.resample(va.Audio(tone(1.0, 22050).tobytes(), 22050), 8000)
    assert phone.rate == 8000 and abs(len(phone.samples()) - 8000) <= 1


def test_digits_spelled_for_the_model_and_joined_in_transcripts() -> None:
    assert spell_digits("order 42").split() == ["order", "four", "two"]
    assert normalize("Where's my [ORD-123](order_number)?") == "where's my o r d one two three"
    assert join_digits("my order number is one two three four") == "my order number is 1234"
    assert join_digits("i want one two") == "i want one two"  # two digits stay words


def test_vad_ends_a_turn_on_silence_and_ignores_quiet() -> None:
    vad = EnergyVad(8000)
    frames = [tone(0.02, 8000).tobytes()] * 25 + [b"\x00" * 320] * 30
    outputs = [vad.push(f) for f in frames]
    utterances = [o for o in outputs if o]
    assert len(utterances) == 1
    assert len(utterances[0]) >= 25 * 320
    quiet = EnergyVad(8000)
    assert not any(quiet.push(tone(0.02, 8000, amp=50).tobytes()) for _ in range(100))
