"""The message a pipeline works on, and the component contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from bot.nlu.types import Entity, Sentiment

if TYPE_CHECKING:
    from bot.nlu.text import Token
    from bot.nlu.training_data import TrainingData


@dataclass
class Message:
    """Mutable working state of one message while the pipeline processes it."""

    text: str
    language: str = "en"
    tokens: list[Token] = field(default_factory=list)
    intent_ranking: list[tuple[str, float]] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    sentiment: Sentiment | None = None
    oos_score: float | None = None  # out-of-scope score, when a fallback component set one


class Component:
    """A pipeline step: ``fit`` learns from training data, ``process`` annotates a message.

    ``featurizer`` components also run over the training messages so that later components
    train on what they will see at parse time (language, tokens).
    """

    registry_name: ClassVar[str] = ""
    featurizer: ClassVar[bool] = False
    # True: ``fit`` also takes ``upstream=`` (the fitted components before this one).
    wants_upstream: ClassVar[bool] = False

    def fit(self, data: TrainingData, messages: list[Message]) -> Component:
        """Learn from the data; returns self. Rule-based components learn nothing."""
        return self

    def training_metadata(self) -> dict:
        """Entries this component adds to the model's ``metadata.json`` (none by default)."""
        return {}

    def process(self, message: Message) -> None:
        """Annotate one message in place."""
        raise NotImplementedError

    def process_batch(self, messages: list[Message]) -> None:
        """Annotate several messages; components that vectorise override this."""
        for message in messages:
            self.process(message)
