"""The neural path: Whisper tiny.en from its package (hashes checked), real and synthetic
speech, spoken order numbers reaching the NLU as KF-..., the expect-digits hint from the
bot's question, and the pocketsphinx fallback."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from bot.messages import BotMessage, UserMessage
from bot.settings import DEFAULT_CONFIG_DIR
from bot.voice import audio as va
from bot.voice import espeak, whisper
from bot.voice.errors import EngineUnavailable
from bot.voice.expect import Expect
from bot.voice.registry import VoiceConfig, make_stt
from bot.voice.service import VoiceService
from bot.voice.tts import EspeakTTS

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


def _real_digit_sample(shared_datasets: Path, n: int = 10) -> list[tuple[str, va.Audio]]:
    clips = [c for speaker in _digits(shared_datasets).values() for c in speaker]
    return random.Random(11).sample(clips, n)


def _first_digit(text: str) -> str | None:
    words = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
             "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
    for word in text.lower().replace(",", " ").replace(".", " ").split():
        if word.isdigit() or word in words:
            return words.get(word, word)[0]
    return None


def test_expect_digits_hint_helps_on_real_digits(stt: whisper.WhisperSTT,
                                                 shared_datasets: Path) -> None:
    sample = _real_digit_sample(shared_datasets)
    hinted = sum(_first_digit(stt.transcribe(a, "en", Expect.DIGITS).text) == d
                 for d, a in sample)
    plain = sum(_first_digit(stt.transcribe(a).text) == d for d, a in sample)
    assert hinted >= 9 and hinted >= plain, (hinted, plain)


def test_a_runaway_decode_is_cut_by_the_speaking_rate(stt: whisper.WhisperSTT) -> None:
    noise = np.random.default_rng(3).normal(0, 3000, 16000).astype("<i2")
    result = stt.transcribe(va.Audio(noise.tobytes(), 16000), "en", Expect.DIGITS)
    assert len(result.words.split()) <= whisper.MIN_NEW_TOKENS + whisper.TOKENS_PER_SECOND * 2


class AsksForOrderNumber:
    """The domain's own question for an order number, then an echo of what was heard."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def handle(self, message: UserMessage) -> list[BotMessage]:
        self.seen.append(message.text)
        if len(self.seen) == 1:
            return [BotMessage(text="Please tell me one of your order numbers "
                                    "(for example KF-100042).")]
        return [BotMessage(text=f"You said {message.text}.")]


async def test_the_bots_question_primes_the_next_turn(stt: whisper.WhisperSTT,
                                                      shared_datasets: Path) -> None:
    handler = AsksForOrderNumber()
    service = VoiceService(stt, EspeakTTS(), lambda: handler)
    ask = espeak.synthesize("I want to check my order", voice="en-us", words_per_minute=150)
    await service.turn("caller-1", ask, "voice", speak=False)
    assert service.expectations.take("caller-1") is Expect.DIGITS
    service.expectations.set("caller-1", Expect.DIGITS)
    _digit, clip = _real_digit_sample(shared_datasets, 1)[0]
    turn = await service.turn("caller-1", clip, "voice", speak=False)
    assert turn.transcript is not None
    assert turn.transcript.text == stt.transcribe(clip, "en", Expect.DIGITS).text
    assert service.expectations.take("caller-1") is None  # "You said ..." asks nothing


def test_a_real_sentence_is_decoded_over_a_cut_window_with_the_same_words(
        stt: whisper.WhisperSTT, shared_datasets: Path) -> None:
    from bot.voice import whisper_window

    path = shared_datasets / "speech" / "sentences" / "ljspeech_LJ001-0004.wav"
    samples = va.decode(path.read_bytes()).samples().astype(np.float32) / 32768.0
    cut = whisper_window.decode(stt._load(), samples, stt.prompt, beam_size=1,
                                max_new_tokens=80)
    assert cut is not None
    full = whisper.WhisperSTT(stt.path, short_window=False).transcribe(va.decode(path.read_bytes()))
    for word in ("produced", "block", "books", "predecessors", "printed", "book"):
        assert word in cut[0].lower() and word in full.words.lower()
    short = samples[: int(0.8 * 16000)]  # a single word: always the full window
    assert whisper_window.decode(stt._load(), short, "", beam_size=1, max_new_tokens=20) is None
    noise = np.random.default_rng(5).normal(0, 0.1, 3 * 16000).astype(np.float32)
    looped = whisper_window.decode(stt._load(), noise, whisper.DIGITS_PROMPT, beam_size=1,
                                   max_new_tokens=40)
    assert looped is None or len(looped[0].split()) < 40
