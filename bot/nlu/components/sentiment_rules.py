"""Light rules on top of the learned sentiment scores, for what tweets and reviews teach a
linear model too weakly in a customer-service chat.

All rules move the three class scores (negative, neutral, positive logits) before the
softmax, so the label and the score in [-1, 1] stay consistent:

- **lexicon**: kefu's own customer-service lexicon (with its negation and intensifier
  handling) and a few emoji nudge the polar scores: "late", "nobody answers", "没人理";
- **negated praise** in Chinese ("不好", "不太行"), which char n-grams under-weigh;
- **sarcasm-lite**: praise opening a complaint ("great, another delay", "太好了，又坏了")
  counts as the complaint;
- **intensity**: "!!!" and SHOUTING push away from neutral: a message already read as
  positive gets more positive, any other reads as more upset ("WHERE IS MY ORDER").
"""

from __future__ import annotations

import math
import re

import numpy as np

from bot.nlu.components.sentiment import raw_score

NEG, NEU, POS = 0, 1, 2
LEXICON_SCALE = 3.0
NEGATED_PRAISE_WEIGHT = 1.0
EXCLAIM = re.compile(r"[!！]")
SHOUTED = re.compile(r"\b[A-Z][A-Z']+\b")
LETTER_WORD = re.compile(r"\b[A-Za-z][A-Za-z']+\b")  # two letters or more: not "I", "a"
EMOJI = {
    "😡": -2.5, "😠": -2.5, "🤬": -3.0, "😤": -2.0, "👎": -2.0, "😞": -1.8, "😢": -1.5,
    "😭": -1.5, "🙁": -1.5, "☹": -1.5, "😒": -1.5, "🙄": -1.5, "💩": -2.0, "😩": -1.8,
    "😫": -1.8, "👍": 1.5, "🙂": 1.0, "😊": 1.8, "😀": 1.5, "😃": 1.5, "😄": 1.8, "😁": 1.5,
    "😍": 2.5, "🥰": 2.5, "❤": 2.0, "♥": 2.0, "💯": 1.5, "🙏": 1.2, "🎉": 1.8, "👏": 1.5,
}
# Negated praise the lexicon has no word for ("好" alone is too common to weigh: "你好").
NEGATED_PRAISE_ZH = re.compile(r"不(?:太|怎么|是很|够)?(?:好|行|值|舒服|合适)")
PRAISE_EN = re.compile(
    r"^\W*(?:oh\s+|just\s+|yeah\s+|wow\s+|well\s+)?(?:great|perfect|wonderful|fantastic|"
    r"brilliant|awesome|nice|lovely|super|excellent|cool|thanks a lot|thanks for nothing|"
    r"thank you so much)\b[\s,.!…-]+(?P<rest>\S.*)", re.IGNORECASE)
COMPLAINT_EN = re.compile(
    r"\b(?:another|again|still|yet|more|nothing|never|no|not|late|delay(?:ed)?|broke|broken|"
    r"lost|wrong|waiting|cancell?ed|missing)\b|n't\b", re.IGNORECASE)
PRAISE_ZH = re.compile(r"^\W*(?:太好了|真好|真棒|真行|好极了|厉害了?|可以啊|谢谢你们?了?|感谢)"
                       r"[，,。.！!…~\s]*(?P<rest>\S.*)")
COMPLAINT_ZH = re.compile(r"又|还是|再次|还没|没|不|坏|丢|晚|慢|等")


def lexicon_polarity(text: str) -> float:
    """kefu's lexicon weight of the text plus its emoji, in lexicon units."""
    total, _ = raw_score(text)
    return total + sum(weight * text.count(e) for e, weight in EMOJI.items() if e in text)


def is_sarcastic_praise(text: str) -> bool:
    """Praise that opens a complaint: "great, another delay", "太好了，又坏了"."""
    for praise, complaint in ((PRAISE_EN, COMPLAINT_EN), (PRAISE_ZH, COMPLAINT_ZH)):
        match = praise.match(text)
        if match and complaint.search(match.group("rest")):
            return True
    return False


def intensity(text: str) -> float:
    """How strongly the message is said: repeated "!" and words in capitals."""
    exclaims = len(EXCLAIM.findall(text))
    words = LETTER_WORD.findall(text)
    shouted = SHOUTED.findall(text)
    shouting = len(shouted) >= 2 and len(shouted) >= 0.6 * len(words)
    return 0.35 * min(exclaims, 3) * (exclaims >= 2) + (1.0 if shouting else 0.0)


def adjust(text: str, logits: np.ndarray, lexicon_weight: float) -> np.ndarray:
    """Class scores (negative, neutral, positive) after the rules above."""
    out = np.array(logits, dtype=np.float64)
    # Bounded (tanh, as the lexicon scorer squashes its sum): in a long review the summed
    # weights would outvote the model, which has read the whole text (measured on val).
    lex = LEXICON_SCALE * math.tanh(lexicon_polarity(text) / LEXICON_SCALE)
    out[POS if lex > 0 else NEG] += lexicon_weight * abs(lex)
    # "不好", "不太行": the char n-gram model weighs "好" more than the "不" before it
    out[NEG] += NEGATED_PRAISE_WEIGHT * len(NEGATED_PRAISE_ZH.findall(text))
    if is_sarcastic_praise(text) and out[POS] > out[NEG] - 1.0:
        out[NEG], out[POS] = max(out[NEG], out[POS]) + 1.0, min(out[NEG], out[POS])
    strength = intensity(text)
    if strength:
        # Towards the side the message leans to; a shouted question is not praise.
        side = POS if out.argmax() == POS else NEG
        out[side] += strength
    return out
