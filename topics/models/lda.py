"""LDA with gensim (``lda``) and its seeded variant (``seeded-lda``).

gensim's single-process LdaModel is used, not LdaMulticore: the multicore version does not
give the same topics twice with the same seed (gensim issue #3218)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from gensim.matutils import dirichlet_expectation
from gensim.models import LdaModel
from scipy import sparse
from scipy.special import gammaln, logsumexp

from ..errors import InputError
from ..result import TopicResult
from ..vectorize import Corpus, count_matrix, csr_to_bow
from ..rules import boolean, choice, integer, number
from .base import SeededTopics, TopicModel, distributions, seed_word_ids, seeded_topic_words

STATE_FILE = "lda.gensim"


class GensimLda(TopicModel):
    """Latent Dirichlet allocation (online variational Bayes, gensim LdaModel).

    k: number of topics; passes: sweeps over the corpus; iterations: per-document inference
    steps; alpha: document-topic prior ('symmetric', 'asymmetric', 'auto' or a number);
    eta: topic-word prior ('symmetric', 'auto' or a number); chunksize, decay, offset: the
    online updates (chunksize >= the number of units makes each pass one batch update);
    gamma_threshold: inference convergence; random_state: the seed.
    """

    name = "lda"
    param_rules = {
        "k": integer(1),
        "passes": integer(1),
        "iterations": integer(1),
        "alpha": choice("symmetric", "asymmetric", "auto", also=number(0, low_open=True)),
        "eta": choice("symmetric", "auto", also=number(0, low_open=True)),
        "chunksize": integer(1),
        "decay": number(0.5, 1.0),
        "offset": number(1.0),
        "gamma_threshold": number(0, low_open=True),
        "random_state": integer(0),
    }

    def __init__(self, k=10, passes=5, iterations=30, alpha="symmetric", eta="symmetric", chunksize=10000,
                 decay=0.5, offset=1.0, gamma_threshold=0.001, random_state=0):
        self.k = k
        self.passes = passes
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.chunksize = chunksize
        self.decay = decay
        self.offset = offset
        self.gamma_threshold = gamma_threshold
        self.random_state = random_state

    def _fit(self, corpus: Corpus, themes: dict[str, list[str]]) -> TopicResult:
        self.model_ = self._train(corpus, self._prior(corpus, themes))
        return self._result(corpus, self.model_.get_topics(), self._infer(corpus.bow), self._seed_themes())

    # hooks for the seeded variant
    def _prior(self, corpus: Corpus, themes: dict[str, list[str]]):
        return None if self.eta == "symmetric" else self.eta

    def _seed_initial_topics(self, model: LdaModel, eta) -> None:
        """Nothing for plain LDA: topics start random."""

    def _seed_themes(self) -> list[str] | None:
        return None  # no topic stands for a theme by construction

    def _train(self, corpus: Corpus, eta) -> LdaModel:
        model = LdaModel(
            corpus=None, id2word=corpus.dictionary, num_topics=self.k, chunksize=self.chunksize, passes=self.passes,
            alpha=self.alpha, eta=eta, decay=self.decay, offset=self.offset, eval_every=None,
            iterations=self.iterations, gamma_threshold=self.gamma_threshold, minimum_probability=0.0,
            random_state=self.random_state, dtype=np.float64,
        )
        self._seed_initial_topics(model, eta)
        model.update(corpus.bow)
        return model

    def _infer(self, bow: list) -> np.ndarray:
        """Topic shares per unit; the inference start is re-seeded so that the same units give
        the same answer however often they are asked."""
        if not bow:
            return np.zeros((0, self.k))
        self.model_.random_state = np.random.RandomState(self.random_state)
        gamma, _ = self.model_.inference(bow)
        return gamma / gamma.sum(axis=1, keepdims=True)

    def _transform(self, counts: sparse.csr_matrix) -> np.ndarray:
        return distributions(self._infer(csr_to_bow(counts)))

    def perplexity(self, token_lists: list[list[str]]) -> float:
        """Perplexity of (held-out) token lists: exp(-per-word variational bound), in nats.

        Units with no vocabulary word are skipped. The bound is gensim's (held-out documents
        scaled to the training corpus size, as ``log_perplexity(total_docs=...)``), computed
        here because gensim's own bound mis-sums a per-topic eta matrix (seeded-lda) and its
        log message uses 2**(-bound), which mixes bases; this uses exp, like scikit-learn."""
        self._check_fitted()
        # the corpus's own words (the result's, which come first), as for every model
        bow = [row for row in csr_to_bow(count_matrix(token_lists, self.result_.vocab)) if row]
        if not bow:
            raise InputError(f"{self.name}: perplexity needs units with words of the model's vocabulary; none given")
        return float(np.exp(-self._per_word_bound(bow)))

    def _per_word_bound(self, bow: list) -> float:
        model = self.model_
        model.random_state = np.random.RandomState(self.random_state)
        gamma, _ = model.inference(bow)
        elog_theta = dirichlet_expectation(gamma)
        lam = model.state.get_lambda()
        elog_beta = dirichlet_expectation(lam)
        alpha = np.asarray(model.alpha, dtype=float)
        score = 0.0
        for d, doc in enumerate(bow):
            ids = [term for term, _ in doc]
            counts = np.array([count for _, count in doc], dtype=float)
            score += counts @ logsumexp(elog_theta[d][:, np.newaxis] + elog_beta[:, ids], axis=0)
        score += np.sum((alpha - gamma) * elog_theta) + np.sum(gammaln(gamma) - gammaln(alpha))
        score += np.sum(gammaln(alpha.sum()) - gammaln(gamma.sum(axis=1)))
        ratio = max(model.state.numdocs, len(bow)) / len(bow)
        eta = np.broadcast_to(np.asarray(model.eta, dtype=float), lam.shape)
        score *= ratio
        score += np.sum((eta - lam) * elog_beta) + np.sum(gammaln(lam) - gammaln(eta))
        score += np.sum(gammaln(eta.sum(axis=1)) - gammaln(lam.sum(axis=1)))
        words = sum(count for doc in bow for _, count in doc)
        return score / (ratio * words)

    def _save_state(self, folder: Path) -> None:
        self.model_.save(str(folder / STATE_FILE))

    def _load_state(self, folder: Path) -> None:
        path = folder / STATE_FILE
        if not path.is_file():
            raise InputError(f"{folder}: saved model is missing {STATE_FILE}")
        self.model_ = LdaModel.load(str(path))


class SeededLda(SeededTopics, GensimLda):
    """LDA whose first topics are the themes: topic i (for the i-th theme) gets a topic-word
    prior (eta) that adds ``seed_boost`` pseudo-counts to each of the theme's seed words, and
    training starts from those seeded topics. A theme with facets (see topics.lexicon) gets one such
    topic for its other words and one per facet. With ``other_topic`` (the default) the next topic
    is seeded the same way with the lexicon's words of passages about no theme, and stands for
    'other'. Topics after these are free, and are mapped to a theme by lift (or 'other').

    ``seed_boost`` is in pseudo-counts per seed word per 1000 tokens of the corpus, so the same
    value means the same strength on a small sample and on a large corpus. Trained on the 2024
    city reports with the bundled sample (k=8, two seeds), no boost put 4 of the sample's ten
    theme units under their themes; every boost from 0.01 to 0.2 put all ten there (macro-F1
    against heading labels 0.78–0.80); at 0.5 agreement starts to fall, at 1 the theme topics
    shrink to their seed words and units drift to the free topics (4–5 of ten), at 3 nearly
    every unit is 'other'. Weak priors do work here — but only because training starts from
    the seeded topics: with gensim's random start the same priors put 7–9 of the ten right and
    agree far less with the labels. The default 0.1 sits inside the working range, a factor of
    five below where it starts to fail.

    A seed word gets no more pseudo-counts than the corpus has of it: a word the training corpus hardly
    uses (the 1950s–70s words of the lexicon in a corpus of 2024 city reports) needs little to point new
    text at its topic, and the full boost would take that much probability from the topic's own words.
    Without this cap the 86 words of the 1954–1979 reports first tried for the lexicon cost the modern
    hand-coded sets 0.05–0.06 of macro-F1; with it at most 0.02, and the 74 kept (those no modern report
    uses) nothing beyond seed noise. The cap alone moved dev, A and B by +0.012, +0.006 and +0.003
    (seeds 1–2; experiments/README.md).

    A seed word gets at least ``MIN_SEED_PSEUDOCOUNTS`` (one) pseudo-count, which matters only on
    corpora under 10,000 tokens. On the bundled sample alone (773 tokens) the boost of 0.1 is
    0.08 pseudo-counts, below the base prior 1/k: the safety topic was lost and new provincial
    units scored macro-F1 0.57 (dev set); from 0.8 to 3 pseudo-counts they score 0.85–0.87.
    """

    MIN_SEED_PSEUDOCOUNTS = 1.0

    name = "seeded-lda"
    reads_unseen_words = True
    param_rules = {**GensimLda.param_rules, "eta": choice("symmetric", also=number(0, low_open=True)),
                   "seed_boost": number(0), "other_topic": boolean()}

    def __init__(self, k=7, seed_boost=0.1, other_topic=True, passes=5, iterations=30, alpha="symmetric",
                 eta="symmetric", chunksize=10000, decay=0.5, offset=1.0, gamma_threshold=0.001,
                 random_state=0):
        super().__init__(k=k, passes=passes, iterations=iterations, alpha=alpha, eta=eta, chunksize=chunksize,
                         decay=decay, offset=offset, gamma_threshold=gamma_threshold,
                         random_state=random_state)
        self.seed_boost = seed_boost
        self.other_topic = other_topic

    def _prior(self, corpus: Corpus, themes: dict[str, list[str]]) -> np.ndarray:
        seeds, self.seed_themes_ = seeded_topic_words(self.name, themes, self.facets_, self.other_words_,
                                                      self.other_topic, self.k, corpus)
        self.seed_ids_ = seed_word_ids(self.name, seeds, corpus, self.lexicon_)
        base = 1.0 / self.k if self.eta == "symmetric" else float(self.eta)
        eta = np.full((self.k, len(corpus.vocab)), base)
        boost = self.seed_boost * corpus.term_frequency.sum() / 1000.0
        if self.seed_boost > 0:
            # on a small sample the per-1000-token boost falls below the base prior: a seed word
            # then counts no more than any other word, and unseen lexicon words tell new text nothing
            boost = max(boost, self.MIN_SEED_PSEUDOCOUNTS)
        counts = corpus.term_frequency
        for topic, ids in enumerate(self.seed_ids_.values()):
            # a seed word gets no more pseudo-counts than the corpus has of it (but at least the minimum): a
            # rare or unseen word needs little to point new text at its topic, and the full boost would take
            # that much probability from the topic's own words
            eta[topic, ids] += np.minimum(boost, np.maximum(counts[ids], self.MIN_SEED_PSEUDOCOUNTS))
        return eta

    def _seed_initial_topics(self, model: LdaModel, eta: np.ndarray) -> None:
        # gensim starts from random topics that ignore eta; start from the seeded prior instead,
        # so that the first pass already sorts units by theme
        model.expElogbeta = np.exp(dirichlet_expectation(model.state.sstats + eta))

    def _seed_themes(self) -> list[str]:
        return list(self.seed_themes_)
