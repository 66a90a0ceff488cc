"""Theme mapping: which theme each fitted topic stands for, a stage of its own after fitting.

Models return topics; this stage names them. A seeded topic keeps the theme it was seeded with
(``TopicResult.seed_themes``, set by seeded models and the dictionary baseline). Every other topic
is matched by its *lift* for each theme: the probability mass the topic puts on the theme's lexicon
words, divided by the share those words have in the whole corpus. A lift of 1 means the topic uses
the theme's words no more than the corpus does.

For a model without seeds, a one-to-one matching (Hungarian, on lift) first gives each theme its best
distinct topic; topics left over join the theme they lift most (many-to-one). Free topics of a seeded
model are matched many-to-one. Any matched topic whose lift for its theme is below ``min_lift``, or
not above its lift for the lexicon's ``[other]`` words, becomes ``other``.

Mapping reads only the result and the lexicon, so a finished run can be mapped again with other
settings without refitting (``topics remap``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from . import OTHER
from .errors import InputError
from .lexicon import Lexicon
from .result import TopicResult

DEFAULT_MIN_LIFT = 2.0


@dataclass(frozen=True)
class MappingSettings:
    """How topics are mapped (the config's ``[themes]`` table holds them)."""

    min_lift: float = DEFAULT_MIN_LIFT

    def __post_init__(self) -> None:
        value = self.min_lift
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
            raise InputError(f"themes.min_lift must be a number >= 0, got {value!r}")

    def to_dict(self) -> dict:
        return asdict(self)


def word_lifts(result: TopicResult, word_lists: list[list[str]]) -> np.ndarray:
    """K×L lift of every topic for each word list (0 for a list with no word in the vocabulary)."""
    index = {term: i for i, term in enumerate(result.vocab)}
    corpus_share = result.term_frequency / max(result.term_frequency.sum(), 1e-300)
    topic_word = result.topic_word / np.maximum(result.topic_word.sum(axis=1, keepdims=True), 1e-300)
    lifts = np.zeros((result.k, len(word_lists)))
    for column, words in enumerate(word_lists):
        ids = sorted({index[w] for w in words if w in index})
        baseline = corpus_share[ids].sum() if ids else 0.0
        if baseline > 0:
            lifts[:, column] = topic_word[:, ids].sum(axis=1) / baseline
    return lifts


def topic_lifts(result: TopicResult, lexicon: Lexicon) -> np.ndarray:
    """K×(T+1) lift of every topic for each theme of the lexicon, then for its ``[other]`` words:
    the evidence every mapping decision rests on."""
    return word_lifts(result, [*lexicon.themes.values(), list(lexicon.other_words)])


def map_topics(result: TopicResult, lexicon: Lexicon, settings: MappingSettings | None = None) -> list[str]:
    """The theme of every topic, in the model's own topic order (see the module docstring)."""
    settings = settings or MappingSettings()
    lifts = topic_lifts(result, lexicon)
    theme_part, other_part = lifts[:, :-1], lifts[:, -1]
    names = lexicon.names
    seeded = list(result.seed_themes or [])
    if len(seeded) > result.k:
        raise ValueError(f"{result.model_name}: {len(seeded)} seeded topics for {result.k} topics")
    columns = theme_part.argmax(axis=1)  # many-to-one
    if not seeded:
        rows, cols = linear_sum_assignment(theme_part, maximize=True)
        columns[rows] = cols
    mapped = [names[c] if theme_part[t, c] >= settings.min_lift and theme_part[t, c] > other_part[t] else OTHER
              for t, c in enumerate(columns)]
    return seeded + mapped[len(seeded):]


def apply_mapping(result: TopicResult, lexicon: Lexicon, settings: MappingSettings | None = None) -> TopicResult:
    """Set the result's topic themes (and the settings that gave them); returns the result."""
    settings = settings or MappingSettings()
    result.topic_themes = map_topics(result, lexicon, settings)
    result.mapping = settings.to_dict()
    return result
