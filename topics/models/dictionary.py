"""The dictionary baseline (``dictionary``): the method attention-allocation studies of work
reports use. A unit's theme is the theme whose lexicon words make up the largest share of its
tokens, and ``other`` when no theme's words do. A longer word that holds a theme's word counts for
that theme (科技成果转化 for industry through 科技; see topics.lexicon).

It returns the shared result so every metric and report treats it like a topic model: one
topic per theme (its lexicon words, weighted by their corpus counts) plus a last topic,
``other``, holding every word outside the lexicon. A unit's topic shares are the shares of
its lexicon hits per theme; a unit with no hit (or too few, see ``min_share``) is all
``other``. Ties go to the theme listed first in the lexicon."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ..labels import OTHER
from ..result import TopicResult
from ..vectorize import Corpus
from ..rules import number
from .base import TopicModel, counted_term_ids, distributions, seed_word_ids


class DictionaryModel(TopicModel):
    """min_share: a unit is 'other' unless its best theme's words are more than this share
    of its tokens (0: any lexicon word is enough)."""

    name = "dictionary"
    reads_unseen_words = True
    deterministic = True
    seeded = True  # its topics are the themes and 'other' by construction

    @classmethod
    def topic_count(cls, lexicon) -> int:
        return len(lexicon.themes) + 1
    param_rules = {"min_share": number(0, 1)}

    def __init__(self, min_share=0.0):
        self.min_share = min_share

    def _fit(self, corpus: Corpus, themes: dict[str, list[str]]) -> TopicResult:
        ids = seed_word_ids(self.name, themes, corpus, self.lexicon_)
        self.membership_ = np.zeros((len(corpus.vocab), len(themes)))
        for t, word_ids in enumerate(ids.values()):
            self.membership_[word_ids, t] = 1.0
        tf = corpus.term_frequency
        outside = 1.0 - self.membership_.max(axis=1)
        topic_word = np.vstack([self.membership_.T * tf, outside * tf])
        return self._result(corpus, topic_word, self._doc_topic(corpus.matrix), [*themes, OTHER])

    def _load_state(self, folder) -> None:
        self.membership_ = np.zeros((len(self.vocab_), len(self.themes_)))
        for t, word_ids in enumerate(counted_term_ids(self.themes_, self.vocab_, self.lexicon_).values()):
            self.membership_[word_ids, t] = 1.0

    def _doc_topic(self, counts: sparse.csr_matrix) -> np.ndarray:
        hits = np.asarray(counts @ self.membership_)
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        best_share = hits.max(axis=1) / np.maximum(lengths, 1)
        is_other = (hits.sum(axis=1) == 0) | (best_share <= self.min_share)
        rows = np.hstack([hits, np.zeros((len(hits), 1))])
        rows[is_other] = 0.0
        rows[is_other, -1] = 1.0
        return rows

    def _transform(self, counts: sparse.csr_matrix) -> np.ndarray:
        return distributions(self._doc_topic(counts))
