"""Label sets and the emotion -> polarity map: the single source of truth for data, model and metrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import torch

POLARITIES = ("negative", "positive")


@dataclass(frozen=True)
class Taxonomy:
    name: str
    emotions: tuple[str, ...]
    positive: frozenset[str]

    @property
    def num_emotions(self) -> int:
        return len(self.emotions)

    @cached_property
    def polarity_of(self) -> torch.Tensor:
        """(K,) long: 1 for a positive emotion, 0 for a negative one."""
        return torch.tensor([int(e in self.positive) for e in self.emotions])

    @cached_property
    def polarity_matrix(self) -> torch.Tensor:
        """(2, K) 0/1 matrix: row p sums emotion probabilities into polarity p."""
        return torch.nn.functional.one_hot(self.polarity_of, len(POLARITIES)).T.float()

    def index(self, emotion: str) -> int:
        """Index of an emotion name, any case."""
        return self.emotions.index(emotion.lower())


def _taxonomy(name: str, positive: tuple[str, ...], negative: tuple[str, ...]) -> Taxonomy:
    return Taxonomy(name, tuple(sorted(positive + negative)), frozenset(positive))


# Mikels' eight categories (FI, ArtPhoto, IAPSa, Abstract, EmoSet), alphabetical as FI's folders.
MIKELS = _taxonomy("mikels", ("amusement", "awe", "contentment", "excitement"), ("anger", "disgust", "fear", "sadness"))
# Ekman's six basic emotions (Emotion6, EmotionROI); joy and surprise count as positive there.
EKMAN = _taxonomy("ekman", ("joy", "surprise"), ("anger", "disgust", "fear", "sadness"))
# Binary sentiment (Twitter I/II): the emotions are the polarities themselves.
BINARY = _taxonomy("binary", ("positive",), ("negative",))

TAXONOMIES = {t.name: t for t in (MIKELS, EKMAN, BINARY)}


def get_taxonomy(spec: str | Mapping[str, str]) -> Taxonomy:
    """A named taxonomy, or your own classes as a mapping {class: positive | negative}."""
    if isinstance(spec, Mapping):
        return custom_taxonomy(spec)
    try:
        return TAXONOMIES[spec]
    except KeyError:
        raise ValueError(f"Unknown taxonomy '{spec}'; choose one of {sorted(TAXONOMIES)} or a mapping") from None


def custom_taxonomy(polarity_of: Mapping[str, str]) -> Taxonomy:
    wrong = {name: p for name, p in polarity_of.items() if p not in POLARITIES}
    if wrong or not polarity_of:
        raise ValueError(
            f"data.taxonomy: give each class a polarity in {list(POLARITIES)}; got {dict(wrong) or 'none'}"
        )
    positive = tuple(name.lower() for name, p in polarity_of.items() if p == "positive")
    negative = tuple(name.lower() for name, p in polarity_of.items() if p == "negative")
    return _taxonomy("custom", positive, negative)
