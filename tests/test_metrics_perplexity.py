"""Held-out perplexity: taken from models with a likelihood, refused (NaN, with the reason) for the others."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from gensim.corpora import Dictionary
from gensim.models import LdaModel
from sklearn.decomposition import NMF, LatentDirichletAllocation
from sklearn.feature_extraction.text import CountVectorizer

from metrics_helpers import make_result, sample_token_lists
from topics.errors import InputError
from topics.metrics import METRICS, MetricContext

PERPLEXITY = METRICS["heldout_perplexity"]


class UnigramModel:
    """The simplest model with a likelihood: add-one smoothed word frequencies."""

    def __init__(self, token_lists):
        self.counts = Counter(w for tokens in token_lists for w in tokens)
        self.total = sum(self.counts.values())

    def perplexity(self, token_lists):
        words = [w for tokens in token_lists for w in tokens if w in self.counts]
        if not words:
            raise InputError("unigram: perplexity needs held-out words of the model's vocabulary; none given")
        logs = [math.log((self.counts[w] + 1) / (self.total + len(self.counts))) for w in words]
        return math.exp(-sum(logs) / len(logs))


class GensimLda:
    """A real gensim LdaModel with the package's perplexity(token_lists) method."""

    def __init__(self, token_lists, k=3, seeds=(), strength=0.0):
        self.dictionary = Dictionary(token_lists)
        corpus = [self.dictionary.doc2bow(t) for t in token_lists]
        eta = None
        if seeds:  # one seed word per topic, raised by `strength` in that topic's prior (as seeded LDA)
            eta = np.full((k, len(self.dictionary)), 1 / k)
            for topic, word in enumerate(seeds):
                eta[topic, self.dictionary.token2id[word]] += strength
        self.lda = LdaModel(corpus, num_topics=k, id2word=self.dictionary, passes=3, random_state=1, eta=eta)

    def perplexity(self, token_lists):
        # gensim starts inference of new documents from its model's random stream, so the same call
        # gives a different figure each time unless the stream is reset first.
        self.lda.random_state = np.random.RandomState(0)
        # log_perplexity is the per-word variational bound (natural log), so perplexity = exp(-bound)
        return float(np.exp(-self.lda.log_perplexity([self.dictionary.doc2bow(t) for t in token_lists])))


class SklearnLda:
    """A real scikit-learn LatentDirichletAllocation with the same method."""

    def __init__(self, token_lists, k=3):
        self.vectorizer = CountVectorizer(analyzer=lambda tokens: tokens)
        self.lda = LatentDirichletAllocation(n_components=k, max_iter=5, random_state=1, n_jobs=1)
        self.lda.fit(self.vectorizer.fit_transform(token_lists))

    def perplexity(self, token_lists):
        return float(self.lda.perplexity(self.vectorizer.transform(token_lists)))


RESULT = make_result(["a", "b"], [[0.5, 0.5]])


def _split():
    units = [list(t) for t in sample_token_lists() if t]
    return units[::2] + units[1::4], units[3::4]  # train, held out


def test_perplexity_of_a_unigram_model_by_hand():
    # train "a a b": add-one p(a) = 3/5, p(b) = 2/5; held out "a b": exp(-(ln .6 + ln .4)/2) = 1/sqrt(.24)
    model = UnigramModel([["a", "a", "b"]])
    ctx = MetricContext([["a", "a", "b"]], heldout_token_lists=[["a", "b"]], model=model)
    assert PERPLEXITY.score(RESULT, ctx) == pytest.approx(1 / math.sqrt(0.24))
    assert not PERPLEXITY.higher_is_better


@pytest.mark.parametrize("model_class", [GensimLda, SklearnLda])
def test_perplexity_of_real_lda_models_on_held_out_units(model_class):
    train, heldout = _split()
    model = model_class(train)
    ctx = MetricContext(train, heldout_token_lists=heldout, model=model)
    value = PERPLEXITY.score(RESULT, ctx)
    assert value == model.perplexity(heldout)  # the model's own figure, untouched
    vocabulary = len({w for t in train for w in t})
    assert 1 < value < 20 * vocabulary  # a real perplexity, not a log-bound or a placeholder
    assert PERPLEXITY.score(RESULT, ctx) == value  # deterministic
    assert ctx.notes == {}


def test_a_model_without_likelihood_gets_nan_and_the_reason():
    train, heldout = _split()
    vectorizer = CountVectorizer(analyzer=lambda tokens: tokens)
    nmf = NMF(n_components=3, init="nndsvd", max_iter=50).fit(vectorizer.fit_transform(train))
    result = make_result(["a", "b"], [[0.5, 0.5]], name="nmf")
    ctx = MetricContext(train, heldout_token_lists=heldout, model=nmf)
    assert math.isnan(PERPLEXITY.score(result, ctx))
    assert ctx.notes["heldout_perplexity"] == ["not defined (no likelihood) for nmf: NaN"]


def test_no_model_or_no_held_out_units_gives_nan_and_the_reason():
    ctx = MetricContext([["a"]], heldout_token_lists=[["a"]])
    assert math.isnan(PERPLEXITY.score(RESULT, ctx))
    ctx = MetricContext([["a"]], heldout_token_lists=[[], []], model=UnigramModel([["a"]]))
    assert math.isnan(PERPLEXITY.score(RESULT, ctx))
    assert ctx.notes["heldout_perplexity"] == ["no held-out units: NaN"]
    ctx = MetricContext([["a"]], heldout_token_lists=[["unseen"]], model=UnigramModel([["a"]]))
    assert math.isnan(PERPLEXITY.score(RESULT, ctx))
    assert "none given: NaN" in ctx.notes["heldout_perplexity"][0]


def test_a_perplexity_below_one_is_refused():
    # Every per-word probability is at most 1, so exp(-mean log p) >= 1. gensim's log_perplexity also
    # holds the topic-word prior terms; with a strong seeded prior they make the "bound" positive and
    # exp(-bound) falls far below 1 (here about 5e-82): refused, not reported.
    train, heldout = _split()
    model = GensimLda(train, seeds=["生态", "产业", "安全"], strength=1000.0)
    assert model.perplexity(heldout) < 1
    ctx = MetricContext(train, heldout_token_lists=heldout, model=model)
    assert math.isnan(PERPLEXITY.score(RESULT, ctx))
    assert "must be >= 1" in ctx.notes["heldout_perplexity"][0]
