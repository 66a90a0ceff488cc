"""The metric interface: a named score of a TopicResult, with its parameters, citation and direction."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from ..errors import InputError
from ..rules import check, integer, number
from ..result import TopicResult
from ..token_table import TokenTable


@dataclass
class MetricContext:
    """What a metric may need besides the result.

    ``token_lists`` are the training units, aligned with ``result.doc_topic`` rows; ``labels`` and
    ``predicted`` are one label per row ("" = unlabelled). Metrics write why a value is NaN, or what
    they left out, to ``notes`` (metric name -> list of sentences), so nothing is dropped silently.
    """

    # token lists, or a TokenTable whose rows are made as they are read (a run's fits pass one: a list of every
    # unit's tokens costs several times the table)
    token_lists: list[list[str]] | TokenTable
    dictionary: object | None = None  # gensim Dictionary; built from token_lists when None
    labels: list[str] | None = None
    predicted: list[str] | None = None
    heldout_token_lists: list[list[str]] | TokenTable | None = None
    model: object | None = None
    notes: dict[str, list[str]] = field(default_factory=dict)
    # (labels, predicted, their label_agreement scores): every label metric of a fit reads the same scores
    label_scores: tuple | None = field(default=None, repr=False, compare=False)
    # made on first need and read by every coherence metric of the fit: a copy of the token ids, and their words
    _training_texts: TokenTable | None = field(default=None, init=False, repr=False, compare=False)
    _training_words: frozenset | None = field(default=None, init=False, repr=False, compare=False)

    def training_texts(self) -> TokenTable:
        """The non-empty training units, as a table: an empty unit has no window and no word to count."""
        if self._training_texts is None:
            table = self.token_lists if isinstance(self.token_lists, TokenTable) else TokenTable.build(self.token_lists)
            self._training_texts = table.take(np.flatnonzero(table.lengths()))
        return self._training_texts

    def training_words(self) -> frozenset:
        """The words that occur in the training units."""
        if self._training_words is None:
            texts = self.training_texts()
            self._training_words = frozenset(texts.words[i] for i in np.unique(texts.ids).tolist())
        return self._training_words

    def gensim_dictionary(self):
        if self.dictionary is None:
            from gensim.corpora import Dictionary

            self.dictionary = Dictionary(self.training_texts())
        return self.dictionary

    def note(self, metric: str, message: str) -> None:
        self.notes.setdefault(metric, []).append(message)


@dataclass(frozen=True)
class Metric:
    """One score of a fitted model: ``score(result, ctx) -> float`` (NaN when undefined, with a note)."""

    name: str
    params: dict
    citation: str
    higher_is_better: bool
    description: str
    function: Callable[..., float] = field(repr=False, compare=False)
    reliable: bool = True  # False: reported for comparison with the literature, not to choose models

    def score(self, result: TopicResult, ctx: MetricContext) -> float:
        return float(self.function(result, ctx, metric=self.name, **self.params))

    def with_params(self, **params) -> "Metric":
        """A copy with some parameters changed; unknown names and bad values raise InputError."""
        for key, value in params.items():
            if key not in self.params:
                valid = ", ".join(self.params) or "none"
                raise InputError(f"metric {self.name}: unknown parameter {key!r} (valid: {valid})")
            check_param(self.name, key, value)
        return replace(self, params={**self.params, **params})


# What each parameter name may hold, shared by all metrics (topics.rules).
PARAM_RULES = {
    "top_n": integer(2),
    "window_size": integer(2),
    "p": number(0, 1, low_open=True, high_open=True),
    "weight": number(0, 1),
}


def check_param(metric: str, key: str, value) -> None:
    if key in PARAM_RULES:
        check(value, PARAM_RULES[key], key, f"metric {metric}")


def top_word_ids(result: TopicResult, n: int) -> list[np.ndarray]:
    """Each topic's n heaviest term ids, best first (ties by term id, as TopicResult.top_words).

    Terms of zero weight are left out: a topic that puts weight on fewer than n terms has fewer
    than n top words, rather than an arbitrary tail of zero-weight terms.
    """
    order = np.argsort(-result.topic_word, axis=1, kind="stable")[:, :n]
    return [row[result.topic_word[k, row] > 0] for k, row in enumerate(order)]


def note_short_topics(ctx: MetricContext, metric: str, lists: list, n: int, result: TopicResult) -> None:
    short = [f"{result.topic_ids[k]} ({len(ids)})" for k, ids in enumerate(lists) if len(ids) < n]
    if short:
        ctx.note(metric, f"topics with fewer than {n} words of non-zero weight (words kept): {', '.join(short)}")


def mean_or_nan(values) -> float:
    values = list(values)
    return float(np.mean(values)) if values else math.nan
