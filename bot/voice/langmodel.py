"""The domain language model: what callers of *this* bot say, as an ARPA trigram model.

The corpus is the NLU training examples (``config/nlu/*.yml``, Rasa format), kefu's own
customer-service phrases, and CRM vocabulary (product names in carrier sentences, digit
strings for order numbers). It is rebuilt with ``pocketsphinx.lm.ArpaBoLM`` whenever the
corpus text changes (content hash in the file name), so an unchanged corpus costs nothing.
"""

from __future__ import annotations

import hashlib
import io
import logging
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

PHRASES_FILE = Path(__file__).with_name("data") / "phrases_en.txt"
# Probability mass ArpaBoLM reserves for unseen n-grams (its default is 0.5); a sharper
# model suits a small domain (bench/voice, 3 voices at 16 kHz: 0.5 -> 21.4%, 0.15 -> 19.2%).
DISCOUNT_MASS = 0.15
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_NOT_WORD = re.compile(r"[^a-z0-9' ]+")
_PRODUCT_CARRIERS = (
    "{p}", "i want to buy {p}", "i want to buy the {p}", "do you have {p} in stock",
    "tell me about the {p}", "how much is the {p}", "i want to return the {p}",
    "my {p} is broken", "is the {p} available",
)
_ORDER_CARRIERS = (
    "my order number is {d}", "order {d}", "order number {d}", "it is {d}", "{d}",
    "where is order {d}", "track order {d}", "cancel order {d}",
)


def dictionary_path() -> Path:
    """The pronunciation dictionary that ships with the pocketsphinx package."""
    from pocketsphinx import get_model_path

    return Path(get_model_path("en-us/cmudict-en-us.dict"))


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """Words the recogniser can pronounce (alternates like ``read(2)`` folded)."""
    with dictionary_path().open(encoding="utf-8", errors="replace") as fh:
        return frozenset(line.split(" ", 1)[0].split("(", 1)[0] for line in fh if line.strip())


def spell_digits(text: str) -> str:
    """``order 1234`` -> ``order one two three four`` (callers read numbers digit by digit)."""
    return re.sub(r"\d", lambda m: f" {DIGIT_WORDS[int(m.group())]} ", text)


def normalize(text: str) -> str:
    """Lower case, entity annotations resolved, digits spelled, punctuation removed."""
    text = _ANNOTATION.sub(r"\1", text).lower().replace("’", "'")
    text = _NOT_WORD.sub(" ", spell_digits(text))
    return " ".join(w.strip("'") for w in text.split() if w.strip("'"))


def read_nlu_examples(nlu_dir: Path) -> list[str]:
    """Example texts and lookup/synonym values from Rasa NLU YAML files (``*.yml``)."""
    import yaml

    texts: list[str] = []
    for path in sorted(nlu_dir.rglob("*.y*ml")) if nlu_dir.is_dir() else []:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, OSError) as exc:
            log.warning("skipping %s for the voice language model: %s", path, exc)
            continue
        for block in data.get("nlu") or []:
            if isinstance(block, dict) and isinstance(block.get("examples"), str):
                texts.extend(
                    line.strip()[2:] for line in block["examples"].splitlines()
                    if line.strip().startswith("- ")
                )
                if "synonym" in block:
                    texts.append(str(block["synonym"]))
    return texts


def order_number_sentences(count: int = 60, seed: int = 7) -> list[str]:
    """Digit strings (4 to 8 digits) in the ways callers say order numbers."""
    rng = random.Random(seed)
    out = [" ".join(DIGIT_WORDS[i] for i in range(10))]
    for i in range(count):
        digits = " ".join(rng.choice(DIGIT_WORDS) for _ in range(rng.randint(4, 8)))
        out.append(_ORDER_CARRIERS[i % len(_ORDER_CARRIERS)].format(d=digits))
    return out


def product_sentences(products: Iterable[str]) -> list[str]:
    """Product names alone and in the sentences callers put them in."""
    return [c.format(p=p) for p in products for c in _PRODUCT_CARRIERS]


@dataclass(frozen=True)
class Corpus:
    """The normalised sentences of the domain model and their content hash."""

    sentences: tuple[str, ...]

    @property
    def digest(self) -> str:
        """A short content hash: same corpus, same model file."""
        return hashlib.sha256("\n".join(self.sentences).encode()).hexdigest()[:16]


def build_corpus(
    nlu_dir: Path | None, products: Sequence[str] = (), extra: Sequence[str] = ()
) -> Corpus:
    """All domain sentences, normalised, restricted to pronounceable words, de-duplicated."""
    raw: list[str] = PHRASES_FILE.read_text(encoding="utf-8").splitlines()
    if nlu_dir is not None:
        raw += read_nlu_examples(nlu_dir)
    raw += product_sentences(products) + order_number_sentences() + list(extra)
    known = dictionary_words()
    seen: dict[str, None] = {}
    for line in raw:
        if line.strip().startswith("#"):
            continue
        words = [w for w in normalize(line).split() if w in known]
        if words:
            seen.setdefault(" ".join(words))
    return Corpus(tuple(seen))


@dataclass(frozen=True)
class ModelFiles:
    """A domain model on disk: the ARPA trigrams and the pronunciations of their words."""

    arpa: Path
    dictionary: Path

    @property
    def key(self) -> str:
        """Identifies the model (its content hash)."""
        return self.arpa.stem


def write_model(corpus: Corpus, out_dir: Path) -> ModelFiles:
    """ARPA model and matching small dictionary for ``corpus`` (built only when missing).

    The dictionary is restricted to the corpus words on purpose: pocketsphinx maps every
    dictionary word against a freshly built trie, which takes tens of seconds with the full
    135k-word dictionary and milliseconds with a few hundred words.
    """
    from pocketsphinx.lm import ArpaBoLM

    stem = f"domain-{corpus.digest}-{round(DISCOUNT_MASS * 100)}"
    files = ModelFiles(out_dir / f"{stem}.arpa", out_dir / f"{stem}.dict")
    if files.arpa.exists() and files.dictionary.exists():
        return files
    if not corpus.sentences:
        raise ValueError("the domain corpus is empty")
    out_dir.mkdir(parents=True, exist_ok=True)
    model = ArpaBoLM(text="\n".join(corpus.sentences), add_start=True,
                     discount_mass=DISCOUNT_MASS)
    model.compute()
    buf = io.StringIO()
    model.write(buf)
    vocabulary = {w for sentence in corpus.sentences for w in sentence.split()}
    with dictionary_path().open(encoding="utf-8", errors="replace") as fh:
        entries = [line for line in fh if line.split(" ", 1)[0].split("(", 1)[0] in vocabulary]
    # Write to temporary names then rename: another worker never reads half a model.
    for path, text in ((files.dictionary, "".join(entries)), (files.arpa, buf.getvalue())):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    log.info("voice domain model %s: %d sentences", files.key, len(corpus.sentences))
    return files


def nlu_signature(nlu_dir: Path | None) -> tuple[tuple[str, float], ...]:
    """Cheap change detector: names and modification times of the NLU files."""
    if nlu_dir is None or not nlu_dir.is_dir():
        return ()
    return tuple((p.name, p.stat().st_mtime) for p in sorted(nlu_dir.rglob("*.y*ml")))
