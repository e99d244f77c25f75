"""The neural path: Whisper tiny.en from its package (hashes checked), real and synthetic
speech, spoken order numbers reaching the NLU as KF-..., and the pocketsphinx fallback."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.settings import DEFAULT_CONFIG_DIR
from bot.voice import audio as va
from bot.voice import espeak, whisper
from bot.voice.errors import EngineUnavailable
from bot.voice.registry import VoiceConfig, make_stt

pytestmark = pytest.mark.skipif(not whisper.available(), reason="Whisper model not installed")


@pytest.fixture(scope="module")
def stt() -> whisper.WhisperSTT:
    engine = whisper.WhisperSTT(whisper.model_dir(), products=["Wireless Earbuds"], threads=1)
    engine.warm()  # verifies the packaged files against the pinned digests
    return engine


def test_packaged_model_matches_the_upstream_digests() -> None:
    whisper.verify_model(whisper.model_dir())


def test_a_tampered_model_is_refused(tmp_path: Path) -> None:
    for name in whisper.MODEL_SHA256:
        (tmp_path / name).write_bytes(b"not the model")
    with pytest.raises(EngineUnavailable, match="sha256"):
        whisper.verify_model(tmp_path)


def test_registry_falls_back_to_pocketsphinx_without_a_model(tmp_path: Path) -> None:
    config = VoiceConfig(data_dir=tmp_path, nlu_dir=DEFAULT_CONFIG_DIR / "nlu",
                         whisper_model_dir=tmp_path / "absent", decoders=1)
    assert make_stt("kefu.whisper.v1", config).name == "kefu.pocketsphinx.v1"
    config = VoiceConfig(data_dir=tmp_path, nlu_dir=None, decoders=1)
    assert make_stt("kefu.whisper.v1", config).name == "kefu.whisper.v1"


@pytest.mark.parametrize("voice", ["en-us", "en-gb-x-rp+f2"])
@pytest.mark.parametrize("rate", [16000, 8000])
def test_synthetic_order_number_reaches_nlu_form(stt: whisper.WhisperSTT, voice: str,
                                                  rate: int) -> None:
    clip = espeak.synthesize("my order number is K F one two nine, nine six zero", voice=voice,
                             words_per_minute=150)
    result = stt.transcribe(va.resample(clip, rate))
    assert "KF-129960" in result.text, result.words


def _digits(shared_datasets: Path) -> dict[str, list[tuple[str, va.Audio]]]:
    refs = (shared_datasets / "speech" / "refs.tsv").read_text().splitlines()
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    out: dict[str, list[tuple[str, va.Audio]]] = {}
    for line in refs:
        path, ref = line.split("\t")
        if path.startswith("digits/"):
            audio = va.decode((shared_datasets / "speech" / path).read_bytes())
            out.setdefault(path.split("_")[1], []).append((str(words.index(ref)), audio))
    return out


def test_real_voice_digits_and_order_number(stt: whisper.WhisperSTT,
                                            shared_datasets: Path) -> None:
    by_speaker = _digits(shared_datasets)
    rng = random.Random(5)
    clips = rng.sample(by_speaker["jackson"], 6)
    right = sum(d in stt.transcribe(a).text or
                {"0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five",
                 "6": "six", "7": "seven", "8": "eight", "9": "nine"}[d] in
                stt.transcribe(a).text.lower() for d, a in clips)
    assert right >= 5
    picks = rng.sample(by_speaker["george"], 6)
    gap = b"\x00\x00" * 1600
    number = va.Audio(gap.join(va.resample(a, 8000).pcm for _, a in picks), 8000)
    expected = "".join(d for d, _ in picks)
    assert expected in stt.transcribe(number).text.replace(" ", "")


def test_real_sentence_open_vocabulary(stt: whisper.WhisperSTT, shared_datasets: Path) -> None:
    path = shared_datasets / "speech" / "sentences" / "ljspeech_LJ001-0001.wav"
    text = stt.transcribe(va.decode(path.read_bytes())).text.lower()
    for word in ("printing", "sense", "concerned", "arts", "crafts", "exhibition"):
        assert word in text
