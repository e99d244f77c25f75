"""Voice benchmark on REAL recordings (primary): engines side by side in one run.

    flock /work/notes/bench.lock env OMP_NUM_THREADS=1 .venv/bin/python bench/voice/bench_real.py \
        [--engines kefu.pocketsphinx.v1,kefu.whisper.v1] [--synthetic 20] [--calls 6]

Sets (from ../shared/datasets/speech, see its README for licences):
- read sentences at 16 kHz, and the same sent through a phone band: 8 kHz, G.711 mu-law
  encode + decode (what a PSTN / Asterisk leg does);
- spoken digits (FSDD, already 8 kHz), raw and mu-law round trip; a clip counts as right when
  the first digit heard is the spoken one (the real-data-check rule);
- real-voice order numbers: six FSDD digits of one speaker joined with 0.2 s pauses, right
  when the normalised transcript holds those six digits as one number;
- secondary: espeak-ng synthetic customer-service sentences (bench/voice/sentences.txt) and
  spoken order numbers "K F one two nine ..." (must come out as KF-129960).
Latency: recognition of a 5 s real utterance (p50/p95 over 10 runs, threads as set in
OMP_NUM_THREADS / KEFU_VOICE_STT_THREADS) and AudioSocket end of speech -> first reply frame.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.voice.bench_voice import (  # noqa: E402
    FixedReply, demo_products, score_words, sentences, word_errors,
)
from bot.settings import DEFAULT_CONFIG_DIR  # noqa: E402
from bot.voice import audio as va  # noqa: E402
from bot.voice import espeak  # noqa: E402
from bot.voice.expect import Expect  # noqa: E402
from bot.voice.registry import VoiceConfig, make_stt  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "speech"
if not DATA.is_dir():
    DATA = Path("/work/shared/datasets/speech")
WORD_OF = {str(i): w for i, w in enumerate(
    ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))}
# Settings (prompts, padding) were chosen on these FSDD speakers' digits; the other three
# (nicolas, theo, yweweler) are the test split, reported once.
DEV_SPEAKERS = ("george", "jackson", "lucas")
DIGIT_OF = {w: d for d, w in WORD_OF.items()} | {"oh": "0", "o": "0", "to": "2", "too": "2",
                                                "for": "4"}


def mulaw_round_trip(audio: va.Audio) -> va.Audio:
    """8 kHz G.711 mu-law encode + decode (continuous mu-law companding, 8-bit levels)."""
    x = va.resample(audio, 8000).samples().astype(np.float64) / 32768.0
    mu = 255.0
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    q = np.round(y * 127.0) / 127.0
    z = np.sign(q) * ((1 + mu) ** np.abs(q) - 1) / mu
    return va.Audio((np.clip(z * 32767, -32768, 32767).astype("<i2")).tobytes(), 8000)


def load_refs() -> list[tuple[str, str, va.Audio]]:
    rows = [line.rstrip("\n").split("\t") for line in (DATA / "refs.tsv").read_text().splitlines()
            if "\t" in line]
    return [(path, ref, va.decode((DATA / path).read_bytes())) for path, ref in rows]


def first_digit(text: str) -> str | None:
    for w in re.sub(r"[^a-z0-9' ]", " ", text.lower()).split():
        for ch in (w if w.isdigit() else DIGIT_OF.get(w, "")):
            return ch
    return None


def pcts(seconds: list[float]) -> str:
    q = statistics.quantiles(seconds, n=20, method="inclusive") if len(seconds) > 1 \
        else seconds * 19
    return f"{1000 * statistics.mean(seconds):.0f} ms | {1000 * q[18]:.0f} ms"


def wer_row(stt, clips: list[tuple[str, va.Audio]]) -> tuple[float, str]:  # noqa: ANN001
    errors = words = 0
    seconds = []
    for ref, clip in clips:
        started = time.perf_counter()
        text = stt.transcribe(clip).words or ""
        seconds.append(time.perf_counter() - started)
        r = score_words(ref)
        errors += word_errors(r, score_words(text))
        words += len(r)
    return 100 * errors / max(1, words), pcts(seconds)


def digit_row(stt, clips: list[tuple[str, va.Audio]],  # noqa: ANN001
              expect: Expect | None = None) -> tuple[float, str]:
    right = 0
    seconds = []
    for ref, clip in clips:
        started = time.perf_counter()
        text = stt.transcribe(clip, "en", expect).text
        seconds.append(time.perf_counter() - started)
        right += first_digit(text) == DIGIT_OF[ref]
    return 100 * right / max(1, len(clips)), pcts(seconds)


def real_order_numbers(digits: list[tuple[str, str, va.Audio]], n: int,
                       seed: int = 7) -> list[tuple[str, va.Audio]]:
    """Six real digits of one speaker in a row (0.2 s apart) -> (expected digits, audio)."""
    rng = random.Random(seed)
    by_speaker: dict[str, list[tuple[str, va.Audio]]] = {}
    for path, ref, clip in digits:
        by_speaker.setdefault(path.split("_")[1], []).append((DIGIT_OF[ref], clip))
    out = []
    speakers = sorted(by_speaker)
    for k in range(n):
        pool = by_speaker[speakers[k % len(speakers)]]
        picks = [rng.choice(pool) for _ in range(6)]
        gap = b"\x00\x00" * 1600
        pcm = gap.join(va.resample(c, 8000).pcm for _, c in picks)
        out.append(("".join(d for d, _ in picks), va.Audio(pcm, 8000)))
    return out


def synthetic_orders(n: int, seed: int = 3) -> list[tuple[str, va.Audio]]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        digits = "".join(rng.choice("0123456789") for _ in range(6))
        spoken = " ".join(WORD_OF[d] for d in digits[:3]) + ", " + " ".join(
            WORD_OF[d] for d in digits[3:])
        voice = ("en-us", "en-gb-x-rp+f2", "en-us+m3")[k % 3]
        text = f"my order number is K F {spoken}"
        out.append((f"KF-{digits}", espeak.synthesize(text, voice=voice, words_per_minute=150)))
    return out


def order_row(stt, clips: list[tuple[str, va.Audio]],  # noqa: ANN001
              expect: Expect | None = None) -> float:
    right = 0
    for expected, clip in clips:
        text = stt.transcribe(clip, "en", expect).text
        right += bool(re.search(rf"(?<![\dA-Z-]){re.escape(expected)}(?!\d)", text))
    return 100 * right / max(1, len(clips))


async def audiosocket_latency(stt, clips: list[va.Audio]) -> str:  # noqa: ANN001
    from bot.voice.audiosocket import (
        FRAME_BYTES, KIND_AUDIO, KIND_ID, AudioSocketServer, encode_frame, read_frame,
    )
    from bot.voice.service import VoiceService
    from bot.voice.tts import EspeakTTS

    server = AudioSocketServer(VoiceService(stt, EspeakTTS(), FixedReply))
    await server.start("127.0.0.1", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(encode_frame(KIND_ID, uuid.uuid4().bytes))

    async def drain_reply() -> float | None:
        first = None
        while True:
            try:
                kind, _ = await asyncio.wait_for(read_frame(reader), 4.0 if first is None else 0.3)
            except asyncio.TimeoutError:
                return first
            if kind == KIND_AUDIO and first is None:
                first = time.perf_counter()

    async def keep_line_open() -> None:
        while True:
            writer.write(encode_frame(KIND_AUDIO, b"\x00" * FRAME_BYTES))
            await writer.drain()
            await asyncio.sleep(0.02)

    await drain_reply()
    latencies = []
    for clip in clips:
        pcm = va.resample(clip, 8000).pcm
        pcm += b"\x00" * (-len(pcm) % FRAME_BYTES)
        for i in range(0, len(pcm), FRAME_BYTES):
            writer.write(encode_frame(KIND_AUDIO, pcm[i:i + FRAME_BYTES]))
            await writer.drain()
            await asyncio.sleep(0.02)
        end = time.perf_counter()
        silence = asyncio.create_task(keep_line_open())
        first = await drain_reply()
        silence.cancel()
        if first is not None:
            latencies.append(first - end)
    writer.close()
    await server.close()
    return f"{len(latencies)}/{len(clips)} turns, {pcts(latencies)}" if latencies else "no reply"


def main_whisper(config: VoiceConfig):  # noqa: ANN201
    """Whisper as on today's main: the encoder always over a 30 s window."""
    from bot.voice import whisper

    return whisper.WhisperSTT(whisper.model_dir(), products=config.products,
                              threads=config.stt_threads, short_window=False,
                              name="whisper, 30 s window (main)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="kefu.pocketsphinx.v1,kefu.whisper.v1")
    parser.add_argument("--synthetic", type=int, default=20, help="espeak sentences (x2 voices)")
    parser.add_argument("--orders", type=int, default=12)
    parser.add_argument("--calls", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--digit-step", type=int, default=1, help="every n-th digit clip")
    parser.add_argument("--speakers", default="", help="digit speakers to use, comma-separated "
                        f"(default all; dev split: {','.join(DEV_SPEAKERS)}; test: the others)")
    parser.add_argument("--baseline", action="store_true", help="also run today's main Whisper "
                        "path: every decode over the full 30 s window (its rows without hint "
                        "are main's behaviour)")
    parser.add_argument("--no-hint", action="store_true", help="skip the expect-digits rows "
                        "(the bot asked for a number: bot/voice/expect.py)")
    args = parser.parse_args()
    refs = load_refs()
    sent = [(r, a) for p, r, a in refs if p.startswith("sentences/")]
    wanted = set(args.speakers.split(",")) if args.speakers else None
    digits = [(p, r, a) for p, r, a in refs if p.startswith("digits/")
              and (wanted is None or p.split("_")[1] in wanted)][:: args.digit_step]
    phone = [(r, mulaw_round_trip(a)) for r, a in sent]
    digit_clips = [(r, a) for _, r, a in digits]
    digit_phone = [(r, mulaw_round_trip(a)) for r, a in digit_clips]
    synth = [(s, espeak.synthesize(s, voice=v, words_per_minute=w))
             for s in sentences(args.synthetic) for v, w in (("en-us", 165),
                                                           ("en-gb-x-rp+f2", 170))]
    real_orders = real_order_numbers(digits, args.orders)
    synth_orders = synthetic_orders(args.orders)
    five = [va.Audio(va.resample(a, 16000).pcm[: 5 * 16000 * 2], 16000)
            for _, a in sent if a.seconds >= 5][:10]
    calls = [a for _, a in sent if a.seconds <= 6][: args.calls]
    print(f"real: {len(sent)} sentences ({sum(a.seconds for _, a in sent):.0f} s), "
          f"{len(digit_clips)} digits; synthetic: {len(synth)} clips; {len(real_orders)} real-voice "
          f"and {len(synth_orders)} synthetic order numbers; threads {args.threads}; digit "
          f"speakers {args.speakers or 'all'}\n")
    print("| engine | real sentences 16 kHz WER | same, 8 kHz mu-law WER | digits right | "
          "digits mu-law right | real-voice order no. | synthetic order no. | synthetic WER 16 "
          "kHz | 5 s utterance mean / p95 | AudioSocket end of speech -> reply mean / p95 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    hinted = []
    with tempfile.TemporaryDirectory() as tmp:
        config = VoiceConfig(data_dir=Path(tmp), nlu_dir=DEFAULT_CONFIG_DIR / "nlu",
                             products=demo_products(), decoders=1, stt_threads=args.threads)
        names = (["main"] if args.baseline else []) + args.engines.split(",")
        for name in names:
            stt = main_whisper(config) if name == "main" else make_stt(name, config)
            stt.warm()
            s16, _ = wer_row(stt, sent)
            s8, _ = wer_row(stt, phone)
            d, _ = digit_row(stt, digit_clips)
            d8, _ = digit_row(stt, digit_phone)
            ro, so = order_row(stt, real_orders), order_row(stt, synth_orders)
            sy, _ = wer_row(stt, synth)
            _, lat = wer_row(stt, [("", a) for a in five])
            sock = asyncio.run(audiosocket_latency(stt, calls))
            print(f"| {stt.name} | {s16:.1f}% | {s8:.1f}% | {d:.1f}% | {d8:.1f}% | {ro:.0f}% | "
                  f"{so:.0f}% | {sy:.1f}% | {lat} | {sock} |", flush=True)
            if not args.no_hint and name != "main":
                dh, dlat = digit_row(stt, digit_clips, Expect.DIGITS)
                dh8, _ = digit_row(stt, digit_phone, Expect.DIGITS)
                roh = order_row(stt, real_orders, Expect.DIGITS)
                soh = order_row(stt, synth_orders, Expect.DIGITS)
                hinted.append(f"| {stt.name} | {dh:.1f}% | {dh8:.1f}% | {roh:.0f}% | {soh:.0f}% "
                              f"| {dlat} |")
    if hinted:
        print("\nWith the expect-digits hint (the bot has just asked for a number or code):\n")
        print("| engine | digits right | digits mu-law right | real-voice order no. | "
              "synthetic order no. | digit clip mean / p95 |")
        print("|---|---|---|---|---|---|")
        print("\n".join(hinted))


if __name__ == "__main__":
    main()
