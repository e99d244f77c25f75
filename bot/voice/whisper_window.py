"""A Whisper decode whose encoder sees the utterance plus a few seconds, not 30 s.

faster-whisper always pads the log-mel input to Whisper's 30 s window, and on one core the
encoder pass over that window is most of a turn's time (tiny.en int8: ~0.7 s of a ~0.9 s
decode on this machine under load). CTranslate2 encodes a shorter input just as well
(whisper.cpp calls this ``audio_ctx``): a 10 s window costs an eighth. The decoder was
trained on full windows, though, and on a cut one it sometimes fails to stop ("five five
five ..."), most of all on a single short word. So it is used only for utterances of at
least :data:`MIN_SECONDS`, and a result that looks like such a loop (it ran to the token cap,
compresses like a repetition (Whisper's own 2.4 rule), or says a run of words twice) is thrown
away and the caller decodes the full window as before.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

RATE = 16_000
FRAMES_PER_SECOND = 100
FULL_FRAMES = 3000
# Silence the encoder sees after the speech. Real sentences (all 35, WER): 1 s 34.6%,
# 2 s 7.1%, 3 s 9.1%, 5 s 5.8%, 10 s 5.4%; full 30 s window 6.3%. Synthetic (espeak, 30
# clips): 5 s 19.1% (sentences said twice), 10 s 10.6%, full 13.8%.
MARGIN_SECONDS = 10.0
# "I want to return items. I want to return items.": a run of this many words or more said
# twice back to back is a decoder that did not stop, not a caller.
REPEAT_WORDS = 3
MIN_SECONDS = 2.0
MAX_COMPRESSION = 2.4  # faster-whisper's compression_ratio_threshold
NO_SPEECH = 0.6  # faster-whisper's no_speech_threshold ...
LOW_LOGPROB = -1.0  # ... applied, as there, only when the words are also unlikely


def window_frames(seconds: float) -> int:
    """Encoder frames for an utterance of ``seconds``: the speech, the margin, whole seconds."""
    return min(FULL_FRAMES, math.ceil(seconds + MARGIN_SECONDS) * FRAMES_PER_SECOND)


def repeats(text: str, least: int = REPEAT_WORDS) -> bool:
    """Whether some run of ``least`` or more words comes twice in a row."""
    words = re.findall(r"[\w']+", text.lower())
    for size in range(least, len(words) // 2 + 1):
        for i in range(len(words) - 2 * size + 1):
            if words[i:i + size] == words[i + size:i + 2 * size]:
                return True
    return False


def decode(model: WhisperModel, samples: np.ndarray, prompt: str, *, beam_size: int,
           max_new_tokens: int) -> tuple[str, float] | None:
    """(text, average log-probability) from a cut window; None: decode the full one."""
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_compression_ratio, get_suppressed_tokens

    seconds = samples.size / RATE
    if seconds < MIN_SECONDS or window_frames(seconds) >= FULL_FRAMES:
        return None
    features = model.feature_extractor(samples)
    frames = window_frames(seconds)
    features = np.pad(features, ((0, 0), (0, max(0, frames - features.shape[-1]))))[:, :frames]
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe",
                          language="en")
    previous = tokenizer.encode(" " + prompt.strip()) if prompt else []
    start = model.get_prompt(tokenizer, previous, without_timestamps=True)
    result = model.model.generate(
        model.encode(features), [start], beam_size=beam_size,
        max_length=len(start) + max_new_tokens, return_scores=True, return_no_speech_prob=True,
        suppress_blank=True, suppress_tokens=get_suppressed_tokens(tokenizer, [-1]))[0]
    tokens = result.sequences_ids[0]
    text = tokenizer.decode(tokens).strip()
    if (len(tokens) >= max_new_tokens or get_compression_ratio(text) > MAX_COMPRESSION
            or repeats(text)):
        return None
    logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
    if result.no_speech_prob > NO_SPEECH and logprob < LOW_LOGPROB:
        return "", logprob
    return text, logprob
