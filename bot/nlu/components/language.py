"""Language detection and tokenisation components."""

from __future__ import annotations

from bot.nlu.components.base import Component, Message
from bot.nlu.errors import PipelineConfigError
from bot.nlu.registry import register
from bot.nlu.text import detect_language, tokenize


@register("kefu.script_language.v1")
class ScriptLanguageDetector(Component):
    """Sets ``language`` to ``zh`` or ``en`` from the share of Han characters."""

    featurizer = True

    def __init__(self, zh_ratio: float = 0.3) -> None:
        self.zh_ratio = zh_ratio

    def process(self, message: Message) -> None:
        """Detect the message's language."""
        message.language = detect_language(message.text, self.zh_ratio)


@register("kefu.spacy_blank_tokenizer.v1")
class SpacyBlankTokenizer(Component):
    """spaCy's blank English tokenizer; Han runs split by ``jieba`` or per ``char``."""

    featurizer = True

    def __init__(self, zh_segmenter: str = "jieba") -> None:
        if zh_segmenter not in ("jieba", "char"):
            raise PipelineConfigError(f"zh_segmenter must be jieba or char, not {zh_segmenter!r}")
        self.zh_segmenter = zh_segmenter

    def process(self, message: Message) -> None:
        """Split the message into tokens with offsets."""
        message.tokens = tokenize(message.text, self.zh_segmenter)
