"""Choosing recogniser settings without touching the benchmark's sentences or voices.

    .venv/bin/python bench/voice/tune_voice.py [--warps 1.0,1.06,1.12,1.18] [--limit 50]
        [--lm kn3] [--seed 1] [--generic-weight 0.1]

The development set is disjoint from ``bench_voice.py``'s: 25 sentences written for tuning
(``dev_sentences.txt``, none in the benchmark, none in the corpus) plus 25 drawn from the
domain corpus (fixed seed, benchmark sentences excluded), spoken by six espeak-ng voice
variants that the benchmark does not use. For each frequency-warp factor every clip is
decoded once; the table gives word errors per voice and warp, and each clip's pitch
estimate (``bot.voice.pitch``), so a pitch -> warp rule can be chosen here and then
measured once on the benchmark.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.voice.bench_voice import demo_products, score_words, sentences, word_errors  # noqa: E402
from bot.settings import DEFAULT_CONFIG_DIR  # noqa: E402
from bot.voice import audio as va  # noqa: E402
from bot.voice import espeak, langmodel, sphinx  # noqa: E402
from bot.voice.pitch import median_f0  # noqa: E402

# Variants the benchmark does not use (it has en-us, +f3, en, +m3, +klatt, en-gb-x-rp+f2).
DEV_VOICES = [("en-us+f1", 160), ("en-us+f4", 150), ("en-us+f5", 170), ("en-us+m1", 175),
              ("en-us+klatt2", 165), ("en-gb-x-rp+m7", 185)]


def dev_sentences(corpus: list[str], count: int = 25, seed: int = 1) -> list[str]:
    """Written tuning sentences plus a fixed sample of corpus sentences (benchmark excluded)."""
    test = set(sentences(1000))
    written = [langmodel.normalize(s) for s in
               Path(__file__).with_name("dev_sentences.txt").read_text().splitlines()
               if s and not s.startswith("#")]
    pool = sorted({s for s in corpus if s not in test and 4 <= len(s.split()) <= 12})
    drawn = random.Random(seed).sample(pool, count)
    return [s for s in written if s not in test] + drawn


def decoder(files: langmodel.ModelFiles, warp: float, extra: dict[str, object]):  # noqa: ANN201
    from pocketsphinx import Decoder

    options = dict(sphinx.DECODER_OPTIONS, **extra)
    if warp != 1.0:
        options.update(warp_type="inverse_linear", warp_params=str(warp))
    return Decoder(samprate=va.STT_RATE, loglevel="ERROR", lw=sphinx.LANGUAGE_WEIGHT,
                   lm=str(files.arpa), dict=str(files.dictionary), **options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warps", default="1.0,1.06,1.12,1.18")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--options", default="{}", help="extra decoder options, JSON")
    parser.add_argument("--seed", type=int, default=1, help="espeak-ng random seed")
    parser.add_argument("--lm", default=None, help="smoothing: arpabo, kn3, kn4 (langmodel)")
    parser.add_argument("--generic-weight", type=float, default=None,
                        help="share of the generic model in the mix (langmodel.GENERIC_WEIGHT)")
    parser.add_argument("--out", type=Path, help="write per-clip results as JSON lines")
    args = parser.parse_args()
    warps = [float(w) for w in args.warps.split(",")]
    extra = json.loads(args.options)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = langmodel.build_corpus(DEFAULT_CONFIG_DIR / "nlu", demo_products())
        files = langmodel.write_model(corpus, Path(tmp), args.lm, args.generic_weight)
        refs = dev_sentences(list(corpus.sentences))[: args.limit]
        clips = []
        for i, ref in enumerate(refs):
            for voice, wpm in DEV_VOICES:
                audio = va.resample(espeak.synthesize(ref, voice=voice, words_per_minute=wpm,
                                                      seed=args.seed), va.STT_RATE)
                pcm = sphinx.add_comfort_noise(sphinx.pad(audio.pcm, sphinx.PAD_SECONDS),
                                               sphinx.COMFORT_NOISE)
                clips.append((i, ref, voice, pcm))
        rows = [{"i": i, "voice": v, "words": len(score_words(r)),
                 "f0": median_f0(pcm, va.STT_RATE)} for i, r, v, pcm in clips]
        for warp in warps:
            dec = decoder(files, warp, extra)
            for row, (_, ref, _, pcm) in zip(rows, clips):
                started = time.perf_counter()
                hyp = sphinx._decode(dec, pcm)
                row[f"s{warp}"] = time.perf_counter() - started
                row[f"e{warp}"] = word_errors(score_words(ref), score_words(
                    " ".join(w.split("(")[0] for w in hyp.split() if not w.startswith(("<", "[")))))
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"{len(refs)} dev sentences x {len(DEV_VOICES)} voices, options {extra}, "
          f"language model {files.key}")
    routed = all(w in warps for w in (1.0, *(f for _, f in sphinx.WARP_BANDS)))
    for r in rows:  # what the app does: the warp its pitch band names
        r["e_routed"] = r.get(f"e{sphinx.warp_for(r['f0'])}", 0)
    print("| voice | median F0 | " + " | ".join(f"warp {w}" for w in warps)
          + (" | by pitch band |" if routed else " |"))
    for voice, _ in DEV_VOICES + [("all", 0)]:
        sel = [r for r in rows if voice in ("all", r["voice"])]
        words = sum(r["words"] for r in sel)
        print(f"| {voice} | {statistics.median(r['f0'] for r in sel):.0f} Hz | " + " | ".join(
            f"{100 * sum(r[k] for r in sel) / words:.1f}%"
            for k in [f"e{w}" for w in warps] + (["e_routed"] if routed else [])) + " |")
    print("mean decode ms: " + ", ".join(
        f"{w}: {1000 * statistics.mean(r[f's{w}'] for r in rows):.0f}" for w in warps))


if __name__ == "__main__":
    main()
