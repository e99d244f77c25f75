"""Voice benchmark: word error rate and latency, generic vs domain model, 16 vs 8 kHz;
AudioSocket end of caller speech -> first reply audio frame.

    .venv/bin/python bench/voice/bench_voice.py [--voices 6] [--limit 50] [--generic-limit 20]
        [--calls 10] [--rates 16000,8000] [--no-warp] [--seed 1] [--generic-weight 0.1]
        [--options '{"beam": 1e-48}']

Speech is synthesised with espeak-ng voices at run time (nothing downloaded). The domain
model is built from config/nlu (the real NLU training data) plus kefu's phrase list; the
benchmark reports how many reference sentences occur verbatim in that corpus.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.messages import BotMessage, UserMessage  # noqa: E402
from bot.settings import DEFAULT_CONFIG_DIR  # noqa: E402
from bot.voice import audio as va  # noqa: E402
from bot.voice import espeak, langmodel, sphinx  # noqa: E402
from bot.voice.sphinx import DomainModel, PocketsphinxSTT  # noqa: E402

# espeak-ng voices and speeds: US and British English, male and female variants, the Klatt
# synthesiser (the least buzzy espeak-ng voice), from slow to fast. Every voice run is reported.
VOICES = [("en-us", 165), ("en-us+f3", 145), ("en", 180), ("en-us+m3", 200),
          ("en-us+klatt", 160), ("en-gb-x-rp+f2", 170)]
# Written contractions and their spoken long forms count as the same words when scoring.
CONTRACTIONS = {
    "that's": "that is", "it's": "it is", "what's": "what is", "where's": "where is",
    "i'm": "i am", "i'd": "i would", "i'll": "i will", "i've": "i have", "you're": "you are",
    "can't": "can not", "cannot": "can not", "don't": "do not", "doesn't": "does not",
    "didn't": "did not", "isn't": "is not", "hasn't": "has not", "haven't": "have not",
    "won't": "will not", "wasn't": "was not", "there's": "there is", "okay": "ok",
}


def word_errors(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance over words."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def score_words(text: str) -> list[str]:
    """Words for scoring: spoken form (digits as words), contractions expanded."""
    return " ".join(CONTRACTIONS.get(w, w) for w in langmodel.normalize(text).split()).split()


def sentences(limit: int) -> list[str]:
    lines = (Path(__file__).with_name("sentences.txt")).read_text().splitlines()
    return [langmodel.normalize(s) for s in lines if s and not s.startswith("#")][:limit]


def demo_products() -> list[str]:
    """Product names like those ``kefu demo seed`` puts in the CRM (the app reads the CRM)."""
    from bot.voice.setup import MAX_PRODUCTS
    from crm_core.demo.catalog import CATEGORIES

    names = [i for c in CATEGORIES for i in c.items]
    names += [f"{v} {i}" for c in CATEGORIES for i in c.items for v in c.variants]
    return names[:MAX_PRODUCTS]


def recognition(refs: list[str], voices: list[tuple[str, int]], cache: Path,
                generic_limit: int, rates: list[int], warp: bool = True, seed: int = 1) -> None:
    model = DomainModel(DEFAULT_CONFIG_DIR / "nlu", cache, products=demo_products())
    files = model.files()
    domain = PocketsphinxSTT(model, pool_size=1, **({} if warp else {"warp_bands": ()}))
    generic = PocketsphinxSTT(None, pool_size=1, name="kefu.pocketsphinx_generic.v1")
    domain.warm()
    generic.warm()
    _row.voices = len(voices)  # type: ignore[attr-defined]
    corpus = set(langmodel.build_corpus(DEFAULT_CONFIG_DIR / "nlu", demo_products()).sentences)
    verbatim = sum(r in corpus for r in refs)
    print(f"{len(refs)} sentences x {len(voices)} voices; {verbatim} occur verbatim in the "
          f"domain corpus; domain decoder warp bands {domain.warp_bands or 'none'}; "
          f"espeak-ng seed {seed}; model {files.key if files else None}; decoder options "
          f"{sphinx.DECODER_OPTIONS}\n")
    clips = [(i, r, espeak.synthesize(r, voice=v, words_per_minute=s, seed=seed))
             for i, r in enumerate(refs) for v, s in voices]
    print("| model | rate | sentences | utterances | WER | recognition mean | p50 | p95 |")
    print("|---|---|---|---|---|---|---|---|")
    for rate in rates:
        rows = {}
        for name, stt, limit in (("generic", generic, generic_limit),
                                 ("domain", domain, len(refs))):
            rows[name] = [_measure(stt, ref, va.resample(clip, rate))
                          for i, ref, clip in clips if i < limit]
        _row("generic", rate, rows["generic"])
        _row("domain", rate, rows["domain"][: len(rows["generic"])])
        if generic_limit < len(refs):
            _row("domain", rate, rows["domain"])
        seen = [ref in corpus for i, ref, _ in clips]
        _row("domain, sentence in corpus", rate,
             [r for r, known in zip(rows["domain"], seen) if known], per_voice=True)
        _row("domain, novel sentence", rate,
             [r for r, known in zip(rows["domain"], seen) if not known], per_voice=True)
        for k, (voice, speed) in enumerate(voices):  # clips cycle through the voices
            per_voice = [r for j, r in enumerate(rows["domain"]) if j % len(voices) == k]
            _row(f"domain, {voice} {speed} wpm", rate, per_voice, per_voice=True)


def _measure(stt: PocketsphinxSTT, ref: str, audio: va.Audio) -> tuple[int, int, float]:
    started = time.perf_counter()
    result = stt.transcribe(audio)
    seconds = time.perf_counter() - started
    ref_words = score_words(ref)
    return word_errors(ref_words, score_words(result.words)), len(ref_words), seconds


def _row(name: str, rate: int, results: list[tuple[int, int, float]],
         per_voice: bool = False) -> None:
    errors, words = sum(r[0] for r in results), sum(r[1] for r in results)
    seconds = [r[2] for r in results]
    q = statistics.quantiles(seconds, n=20, method="inclusive")
    print(f"| {name} | {rate // 1000} kHz | "
          f"{'-' if per_voice else 'first %d' % (len(results) // max(1, _row.voices))} | "
          f"{len(results)} | {100 * errors / words:.1f}% | "
          f"{1000 * statistics.mean(seconds):.0f} ms | {1000 * q[9]:.0f} ms | "
          f"{1000 * q[18]:.0f} ms |", flush=True)


_row.voices = 1  # type: ignore[attr-defined]


class FixedReply:
    async def handle(self, message: UserMessage) -> list[BotMessage]:
        return [BotMessage(text="Thanks, let me check that for you."),
                BotMessage(text="Is there anything else?")]


async def audiosocket_latency(refs: list[str], calls: int, cache: Path) -> None:
    """Caller sends speech at real-time pace; time from its last speech frame to first reply."""
    from bot.voice.audiosocket import (
        FRAME_BYTES, KIND_AUDIO, KIND_ID, AudioSocketServer, encode_frame, read_frame,
    )
    from bot.voice.service import VoiceService
    from bot.voice.tts import EspeakTTS

    stt = PocketsphinxSTT(DomainModel(DEFAULT_CONFIG_DIR / "nlu", cache,
                                      products=demo_products()), pool_size=1)
    stt.warm()
    server = AudioSocketServer(VoiceService(stt, EspeakTTS(), FixedReply))
    await server.start("127.0.0.1", 0)
    latencies = []
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(encode_frame(KIND_ID, uuid.uuid4().bytes))

    async def drain_reply() -> float | None:
        first = None
        while True:
            try:
                kind, _ = await asyncio.wait_for(read_frame(reader), 3.0 if first is None else 0.3)
            except asyncio.TimeoutError:
                return first
            if kind == KIND_AUDIO and first is None:
                first = time.perf_counter()

    await drain_reply()  # the greeting
    for ref in refs[:calls]:
        clip = va.resample(espeak.synthesize(ref, voice="en-us"), 8000).pcm
        clip += b"\x00" * (-len(clip) % FRAME_BYTES)
        for i in range(0, len(clip), FRAME_BYTES):
            writer.write(encode_frame(KIND_AUDIO, clip[i:i + FRAME_BYTES]))
            await writer.drain()
            await asyncio.sleep(0.02)
        end_of_speech = time.perf_counter()

        async def keep_line_open() -> None:  # silence keeps flowing like a real call
            while True:
                writer.write(encode_frame(KIND_AUDIO, b"\x00" * FRAME_BYTES))
                await writer.drain()
                await asyncio.sleep(0.02)

        silence = asyncio.create_task(keep_line_open())
        first = await drain_reply()
        silence.cancel()
        if first is not None:
            latencies.append(first - end_of_speech)
    writer.close()
    await server.close()
    q = statistics.quantiles(latencies, n=20, method="inclusive") if len(latencies) > 1 \
        else latencies * 19
    print(f"\nAudioSocket end of speech -> first reply audio frame ({len(latencies)} turns, "
          f"VAD hangover {server.vad.hangover * 1000:.0f} ms included): mean "
          f"{1000 * statistics.mean(latencies):.0f} ms, p50 {1000 * q[9]:.0f} ms, "
          f"p95 {1000 * q[18]:.0f} ms, max {1000 * max(latencies):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voices", type=int, default=len(VOICES))
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--generic-limit", type=int, default=20,
                        help="sentences for the (slow) generic model; domain runs on all")
    parser.add_argument("--rates", default="16000,8000")
    parser.add_argument("--seed", type=int, default=1,
                        help="espeak-ng random seed (voice variants' breath and flutter)")
    parser.add_argument("--options", default="{}",
                        help="domain decoder options over sphinx.DECODER_OPTIONS, JSON")
    parser.add_argument("--generic-weight", type=float, default=langmodel.GENERIC_WEIGHT,
                        help="share of the generic model mixed into the domain model (0: none)")
    parser.add_argument("--no-warp", action="store_true",
                        help="domain decoder without the pitch-chosen frequency warp")
    args = parser.parse_args()
    refs = sentences(args.limit)
    langmodel.GENERIC_WEIGHT = args.generic_weight  # DomainModel builds with the default
    sphinx.DECODER_OPTIONS = {**sphinx.DECODER_OPTIONS, **json.loads(args.options)}
    with tempfile.TemporaryDirectory() as tmp:
        recognition(refs, VOICES[: args.voices], Path(tmp), min(args.generic_limit, len(refs)),
                    [int(r) for r in args.rates.split(",")], warp=not args.no_warp, seed=args.seed)
        if args.calls:
            asyncio.run(audiosocket_latency(refs, args.calls, Path(tmp)))


if __name__ == "__main__":
    main()
