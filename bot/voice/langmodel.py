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

from bot.voice import mixture, ngram

log = logging.getLogger(__name__)

PHRASES_FILE = Path(__file__).with_name("data") / "phrases_en.txt"
# Probability mass ArpaBoLM reserves for unseen n-grams (its default is 0.5); a sharper
# model suits a small domain (bench/voice, 3 voices at 16 kHz: 0.5 -> 21.4%, 0.15 -> 19.2%).
DISCOUNT_MASS = 0.15
# How the n-gram model is estimated (see write_model). Kneser-Ney ("kn3") was tried for new
# wordings and did not beat this on tune_voice.py's dev set (25.4% vs 24.9% word errors).
SMOOTHING = "arpabo"
# Share of pocketsphinx's generic English model (unigrams and bigrams over the domain's own
# words, ``bot.voice.mixture``) mixed into the domain model, meant to help new orders of
# familiar words. Off: at 0.1 tune_voice.py's dev set improved (25.0% -> 23.4% word errors)
# but bench/voice got worse (7.7% -> 8.8% at 16 kHz, 24.3% -> 26.0% at 8 kHz, same audio).
GENERIC_WEIGHT = 0.0
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_UNITS = {
    "ml": "milliliters", "g": "grams", "kg": "kilograms", "m": "meters", "cm": "centimeters",
    "mm": "millimeters", "l": "liters", "mah": "m a h", "inch": "inch",
    "gb": "gigabytes", "tb": "terabytes",
}
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MONEY = re.compile(r"\$\s*(\d+)(?:\.(\d\d))?(?:\s*dollars?)?")
# An identifier: letters, a dash or '#', digits (KF-10432, T-88120, TK-1200).
_IDENTIFIER = re.compile(r"\b([a-z]{1,3})[-#](\d{3,})\b")
_PHONE = re.compile(r"\+?\d[\d \-()]{6,}\d")
_WITH_UNIT = re.compile(r"\b(\d+)\s*(" + "|".join(_UNITS) + r")\b")
_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d\d))?\s*([ap])\.?m\b\.?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_NOT_WORD = re.compile(r"[^a-z0-9' ]+")
# Chat spellings in the NLU data that nobody says aloud ("thank u" taught the model "u").
_TEXT_SPEAK = {
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "thx": "thanks",
    "thnx": "thanks", "tks": "thanks", "ty": "thank you", "im": "i'm", "dont": "don't",
    "cant": "can't", "wont": "won't", "whats": "what's", "wheres": "where's", "cya": "see you",
    "ttyl": "talk to you later", "hii": "hi", "helo": "hello", "hellooo": "hello",
    "yess": "yes", "nooo": "no", "byee": "bye", "asap": "as soon as possible", "eta": "e t a",
}
_TEXT_SPEAK_WORD = re.compile(r"(?<![\w'.@-])(?:" + "|".join(_TEXT_SPEAK) + r")(?![\w'@-])")
_PRODUCT_CARRIERS = (
    "i want to buy the {p}", "do you have the {p} in stock", "tell me about the {p}",
    "how much is the {p}", "i want to return the {p}", "my {p} is broken",
    "is the {p} available", "i ordered a {p}",
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


def number_words(n: int) -> str:
    """``250`` -> ``two hundred fifty``: how a caller says a quantity (0 to 999,999)."""
    if n < 10:
        return DIGIT_WORDS[n]
    if n < 20:
        return _TEENS[n - 10]
    if n < 100:
        return _TENS[n // 10] + (f" {DIGIT_WORDS[n % 10]}" if n % 10 else "")
    if n < 1000:
        rest = f" {number_words(n % 100)}" if n % 100 else ""
        return f"{DIGIT_WORDS[n // 100]} hundred{rest}"
    if n < 1_000_000:
        rest = f" {number_words(n % 1000)}" if n % 1000 else ""
        return f"{number_words(n // 1000)} thousand{rest}"
    return spell_digits(str(n))


def _number(text: str) -> str:
    """A bare number as spoken: quantities as words, long numbers digit by digit."""
    whole, _, fraction = text.partition(".")
    if len(whole) > 4 or (len(whole) == 4 and not fraction):
        return spell_digits(whole)  # order, ticket, account numbers
    spoken = number_words(int(whole))
    return f"{spoken} point {spell_digits(fraction)}" if fraction else spoken


def _money(match: re.Match[str]) -> str:
    dollars, cents = int(match.group(1)), match.group(2)
    spoken = f"{number_words(dollars)} dollar{'s' if dollars != 1 else ''}"
    return f"{spoken} {number_words(int(cents))}" if cents and int(cents) else spoken


def _clock(match: re.Match[str]) -> str:
    minutes = f" {number_words(int(match.group(2)))}" if match.group(2) else ""
    return f"{number_words(int(match.group(1)))}{minutes} {match.group(3)} m"


def spoken(text: str) -> str:
    """Written text as a caller would say it, lower case (``KF-10432`` -> ``k f one zero ...``).

    Identifiers, phone and long numbers are read digit by digit, quantities, prices and times
    as number words, units and e-mail punctuation as words.
    """
    text = text.lower().replace("’", "'")
    text = _EMAIL.sub(lambda m: m.group().replace("@", " at ").replace(".", " dot ")
                      .replace("_", " underscore ").replace("-", " dash "), text)
    text = _MONEY.sub(_money, text)
    text = _IDENTIFIER.sub(lambda m: " ".join(m.group(1)) + " " + spell_digits(m.group(2)), text)
    text = _PHONE.sub(lambda m: spell_digits(m.group()), text)
    text = _CLOCK.sub(_clock, text)
    text = _WITH_UNIT.sub(lambda m: f"{number_words(int(m.group(1)))} {_UNITS[m.group(2)]}", text)
    text = re.sub(r"(\d)/(\d)", r"\1 \2", text).replace("%", " percent ").replace("&", " and ")
    text = re.sub(r"([a-z])(\d)", r"\1 \2", text)  # spf50 -> spf 50
    return _NUMBER.sub(lambda m: f" {_number(m.group())} ", text)


def normalize(text: str) -> str:
    """Entity annotations resolved, spoken form (numbers as words), punctuation removed."""
    text = _TEXT_SPEAK_WORD.sub(lambda m: _TEXT_SPEAK[m.group()], _ANNOTATION.sub(r"\1", text)
                                .lower())
    text = _NOT_WORD.sub(" ", spoken(text))
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
    """Each product name alone and in one carrier sentence (the carriers take turns).

    One sentence per product keeps a large catalogue from outweighing everything else a
    caller says (nine carriers per product made product words the likeliest guess for any
    unclear sound: 14.3% -> 13.7% word errors, bench/voice).
    """
    out: list[str] = []
    for i, product in enumerate(products):
        out += [product, _PRODUCT_CARRIERS[i % len(_PRODUCT_CARRIERS)].format(p=product)]
    return out


def pronounceable(sentence: str, known: frozenset[str]) -> str | None:
    """``sentence`` with short unknown words spelled as letters (``spf`` -> ``s p f``);
    None when a word stays unpronounceable (dropping only the word would invent n-grams)."""
    words: list[str] = []
    for word in sentence.split():
        if word in known:
            words.append(word)
        elif len(word) <= 4 and word.isalpha() and all(c in known for c in word):
            words.extend(word)
        else:
            return None
    return " ".join(words) or None


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
    dropped = 0
    for line in raw:
        if line.strip().startswith("#") or _CJK.search(line):
            continue  # comments; Chinese or mixed lines belong to the Chinese model
        sentence = pronounceable(normalize(line), known)
        if sentence is None:
            dropped += int(bool(line.strip()))
        else:
            seen.setdefault(sentence)
    if dropped:
        log.debug("voice corpus: %d lines with words the dictionary cannot say", dropped)
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


def write_model(corpus: Corpus, out_dir: Path, smoothing: str | None = None,
                generic_weight: float | None = None) -> ModelFiles:
    """ARPA model and matching small dictionary for ``corpus`` (built only when missing).

    ``smoothing`` is ``"kn3"``/``"kn4"`` (interpolated modified Kneser-Ney, ``bot.voice.ngram``,
    of that order) or ``"arpabo"`` (pocketsphinx's ``ArpaBoLM`` trigram, ``DISCOUNT_MASS``);
    ``SMOOTHING`` when None. The model is then mixed with the generic model at
    ``generic_weight`` (``GENERIC_WEIGHT`` when None; 0 for none; ``bot.voice.mixture``).

    The dictionary is restricted to the corpus words on purpose: pocketsphinx maps every
    dictionary word against a freshly built trie, which takes tens of seconds with the full
    135k-word dictionary and milliseconds with a few hundred words.
    """
    smoothing = smoothing or SMOOTHING
    generic_weight = GENERIC_WEIGHT if generic_weight is None else generic_weight
    stem = f"domain-{corpus.digest}-{smoothing}-{round(DISCOUNT_MASS * 100)}"
    if generic_weight:
        stem += f"-g{round(generic_weight * 100)}"
    files = ModelFiles(out_dir / f"{stem}.arpa", out_dir / f"{stem}.dict")
    if files.arpa.exists() and files.dictionary.exists():
        return files
    if not corpus.sentences:
        raise ValueError("the domain corpus is empty")
    out_dir.mkdir(parents=True, exist_ok=True)
    arpa = _arpa(corpus.sentences, smoothing)
    if generic_weight:
        arpa = mixture.interpolate(arpa, generic_weight)
    vocabulary = {w for sentence in corpus.sentences for w in sentence.split()}
    with dictionary_path().open(encoding="utf-8", errors="replace") as fh:
        entries = [line for line in fh if line.split(" ", 1)[0].split("(", 1)[0] in vocabulary]
    # Write to temporary names then rename: another worker never reads half a model.
    for path, text in ((files.dictionary, "".join(entries)), (files.arpa, arpa)):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    log.info("voice domain model %s: %d sentences", files.key, len(corpus.sentences))
    return files


def _arpa(sentences: Sequence[str], smoothing: str) -> str:
    if smoothing.startswith("kn"):
        return ngram.arpa(sentences, order=int(smoothing[2:]))
    if smoothing != "arpabo":
        raise ValueError(f"unknown smoothing {smoothing!r}")
    from pocketsphinx.lm import ArpaBoLM

    model = ArpaBoLM(text="\n".join(sentences), add_start=True, discount_mass=DISCOUNT_MASS)
    model.compute()
    buf = io.StringIO()
    model.write(buf)
    return buf.getvalue()


def nlu_signature(nlu_dir: Path | None) -> tuple[tuple[str, float], ...]:
    """Cheap change detector: names and modification times of the NLU files."""
    if nlu_dir is None or not nlu_dir.is_dir():
        return ()
    return tuple((p.name, p.stat().st_mtime) for p in sorted(nlu_dir.rglob("*.y*ml")))
