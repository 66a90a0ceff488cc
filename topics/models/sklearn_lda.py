"""LDA with scikit-learn's LatentDirichletAllocation (``sklearn-lda``)."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import sklearn
from scipy import sparse
from sklearn.decomposition import LatentDirichletAllocation

from ..errors import InputError
from ..result import TopicResult
from ..vectorize import Corpus, count_matrix
from ..rules import choice, integer, number
from .base import TopicModel, distributions

STATE_FILE = "sklearn_lda.pkl"


class SklearnLda(TopicModel):
    """Latent Dirichlet allocation (variational Bayes, scikit-learn), single process.

    k: number of topics; doc_topic_prior, topic_word_prior: Dirichlet priors (None means
    1/k); learning_method: 'batch' or 'online'; max_iter: passes over the corpus;
    learning_decay, learning_offset, batch_size: the online updates; max_doc_update_iter,
    mean_change_tol: per-document inference; random_state: the seed.
    """

    name = "sklearn-lda"
    param_rules = {
        "k": integer(1),
        "doc_topic_prior": choice(None, also=number(0, low_open=True)),
        "topic_word_prior": choice(None, also=number(0, low_open=True)),
        "learning_method": choice("batch", "online"),
        "max_iter": integer(1),
        "learning_decay": number(0.5, 1.0),
        "learning_offset": number(1.0),
        "batch_size": integer(1),
        "max_doc_update_iter": integer(1),
        "mean_change_tol": number(0, low_open=True),
        "random_state": integer(0),
    }

    def __init__(self, k=10, doc_topic_prior=None, topic_word_prior=None, learning_method="batch", max_iter=10,
                 learning_decay=0.7, learning_offset=10.0, batch_size=128, max_doc_update_iter=100,
                 mean_change_tol=1e-3, random_state=0):
        self.k = k
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.learning_method = learning_method
        self.max_iter = max_iter
        self.learning_decay = learning_decay
        self.learning_offset = learning_offset
        self.batch_size = batch_size
        self.max_doc_update_iter = max_doc_update_iter
        self.mean_change_tol = mean_change_tol
        self.random_state = random_state

    def _fit(self, corpus: Corpus, themes: dict[str, list[str]]) -> TopicResult:
        self.model_ = LatentDirichletAllocation(
            n_components=self.k, doc_topic_prior=self.doc_topic_prior, topic_word_prior=self.topic_word_prior,
            learning_method=self.learning_method, learning_decay=self.learning_decay,
            learning_offset=self.learning_offset, max_iter=self.max_iter, batch_size=self.batch_size,
            max_doc_update_iter=self.max_doc_update_iter, mean_change_tol=self.mean_change_tol,
            evaluate_every=-1, n_jobs=1, random_state=self.random_state,
        )
        doc_topic = self.model_.fit_transform(corpus.matrix)
        return self._result(corpus, self.model_.components_, doc_topic)

    def _transform(self, counts: sparse.csr_matrix) -> np.ndarray:
        if counts.shape[0] == 0:
            return np.zeros((0, self.k))
        return distributions(self.model_.transform(counts))

    def perplexity(self, token_lists: list[list[str]]) -> float:
        """scikit-learn's perplexity of (held-out) token lists; units with no vocabulary word are skipped."""
        self._check_fitted()
        counts = count_matrix(token_lists, self.vocab_)
        counts = counts[np.asarray(counts.sum(axis=1)).ravel() > 0]
        if counts.shape[0] == 0:
            raise InputError(f"{self.name}: perplexity needs units with words of the model's vocabulary; none given")
        return float(self.model_.perplexity(counts))

    def _save_state(self, folder: Path) -> None:
        # scikit-learn's own persistence (pickle); the version is recorded in model.json
        with open(folder / STATE_FILE, "wb") as handle:
            pickle.dump(self.model_, handle, protocol=pickle.HIGHEST_PROTOCOL)

    def _load_state(self, folder: Path) -> None:
        path = folder / STATE_FILE
        if not path.is_file():
            raise InputError(f"{folder}: saved model is missing {STATE_FILE}")
        saved = getattr(self, "saved_versions_", {}).get("scikit-learn")
        if saved and saved != sklearn.__version__:
            warnings.warn(f"{folder}: model saved with scikit-learn {saved}, loading with {sklearn.__version__}",
                          stacklevel=2)
        with open(path, "rb") as handle:
            self.model_ = pickle.load(handle)
