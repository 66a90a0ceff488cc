"""Supervised models trained on hand-coded units: ``supervised`` (TF-IDF of a unit's words and a
logistic regression) and ``seeded-supervised`` (the same, with seeded LDA's topic shares of the unit
as further features).

They make one topic per lexicon theme and one for ``other`` — the labels a unit can have — so they
return the shared result like every model: a unit's topic shares are the classifier's class
probabilities, and a topic's words are the words whose coefficients raise that class (positive
coefficients, normalised). Units labelled "" are not trained on; a label outside the themes and
``other`` is an InputError.

The shares of the labelled training units are **cross-validated**: each comes from a classifier
that did not see that unit (stratified k-fold, folds drawn with ``random_state``), so scores
against the labels the model was trained on are honest estimates for new units. Unlabelled units
get the classifier trained on every labelled unit, as new text does. The inverse document
frequencies are those of every unit of the corpus, labelled or not (no label is used for them)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from ..labels import OTHER
from ..errors import InputError
from ..result import TopicResult
from ..rules import boolean, choice, integer, number
from ..vectorize import Corpus
from .base import TopicModel, distributions, load_saved
from .lda import SeededLda

STATE_FILE = "supervised.npz"
SEEDED_FOLDER = "seeded-lda"


class Supervised(TopicModel):
    """Logistic regression on the TF-IDF of a unit's words, trained on the units that have a label.

    C: inverse regularisation strength; class_weight: 'balanced' weighs each label by the inverse
    of its frequency (rare labels count as much as common ones), None weighs every unit alike;
    sublinear_tf: term counts as 1 + log(count); cv_folds: folds of the cross-validation that gives
    the training units their shares; max_iter: solver iterations; random_state: the seed of the
    folds. The classifier itself (lbfgs) does not depend on the seed, so one fit stands for every
    seed (only the training units' cross-validated shares would change)."""

    name = "supervised"
    needs_labels = True
    deterministic = True
    seeded = True  # its topics are the themes and 'other' by construction
    param_rules = {
        "C": number(0, low_open=True),
        "class_weight": choice("balanced", None),
        "sublinear_tf": boolean(),
        "cv_folds": integer(2),
        "max_iter": integer(1),
        "random_state": integer(0),
    }

    def __init__(self, C=10.0, class_weight="balanced", sublinear_tf=True, cv_folds=5, max_iter=1000, random_state=0):
        self.C = C
        self.class_weight = class_weight
        self.sublinear_tf = sublinear_tf
        self.cv_folds = cv_folds
        self.max_iter = max_iter
        self.random_state = random_state

    @classmethod
    def topic_count(cls, lexicon) -> int:
        return len(lexicon.themes) + 1

    # ---- fitting --------------------------------------------------------------------------------

    def _fit(self, corpus: Corpus, themes: dict[str, list[str]], labels: list[str]) -> TopicResult:
        topics = [*themes, OTHER]
        rows, y = self._training_units(labels, topics)
        self.n_words_ = corpus.seen
        df = np.bincount(corpus.matrix[:, :corpus.seen].nonzero()[1], minlength=corpus.seen)
        self.idf_ = np.log((1.0 + corpus.matrix.shape[0]) / (1.0 + df)) + 1.0  # scikit-learn's smoothed idf
        self._fit_features(corpus)
        features = self._features(corpus.matrix)
        with self._one_thread():
            self.classifier_ = self._classifier().fit(features[rows], y)
            doc_topic = self._shares(self.classifier_, features, topics)
            doc_topic[rows] = self._cross_validated(features[rows], y, topics)
        coef = self.classifier_.coef_
        if coef.shape[0] == 1:  # two labels: scikit-learn keeps one row, for the second class
            coef = np.vstack([-coef, coef])
        topic_word = np.zeros((len(topics), len(corpus.vocab)))
        for row, label in zip(coef, self.classifier_.classes_):
            topic_word[topics.index(label), :self.n_words_] = np.clip(row[:self.n_words_], 0.0, None)
        return self._result(corpus, topic_word, doc_topic, topics)

    def _training_units(self, labels: list[str], topics: list[str]) -> tuple[np.ndarray, np.ndarray]:
        rows = np.array([i for i, label in enumerate(labels) if label], dtype=int)
        y = np.array([labels[i] for i in rows])
        unknown = sorted(set(y) - set(topics))
        if unknown:
            raise InputError(f"{self.name}: unknown label(s) {', '.join(unknown)}; labels are {', '.join(topics)}")
        present, counts = np.unique(y, return_counts=True)
        if len(present) < 2:
            raise InputError(f"{self.name}: all {len(y)} labelled units are {str(present[0])!r}; a classifier needs units "
                             f"of at least two labels")
        if counts.max() < 2:
            raise InputError(f"{self.name}: {len(y)} labelled units, no label given twice; code more units")
        missing = [topic for topic in topics if topic not in present]
        if missing:
            warnings.warn(f"{self.name}: no labelled unit of {', '.join(missing)}; no unit is assigned to it",
                          stacklevel=4)
        return rows, y

    @staticmethod
    def _one_thread():
        """The classifiers are small: with BLAS threads of their own they are many times slower on a
        busy machine (and sum in a different order)."""
        return threadpool_limits(limits=1)

    def _classifier(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter,
                                  random_state=self.random_state)

    def _cross_validated(self, features: sparse.csr_matrix, y: np.ndarray, topics: list[str]) -> np.ndarray:
        """Each labelled unit's shares from a classifier fitted on the other folds."""
        n_splits = min(self.cv_folds, int(np.unique(y, return_counts=True)[1].max()))
        folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        shares = np.zeros((len(y), len(topics)))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The least populated class")  # rare labels: fewer folds hold them
            splits = list(folds.split(np.zeros(len(y)), y))
        for train, test in splits:
            if len(np.unique(y[train])) < 2:  # a fold whose other folds hold one label only predicts it
                shares[np.ix_(test, [topics.index(y[train][0])])] = 1.0
                continue
            shares[test] = self._shares(self._classifier().fit(features[train], y[train]), features[test], topics)
        return shares

    def _shares(self, classifier: LogisticRegression, features: sparse.csr_matrix, topics: list[str]) -> np.ndarray:
        """Class probabilities as N × topics (0 for labels the classifier never saw)."""
        shares = np.zeros((features.shape[0], len(topics)))
        shares[:, [topics.index(label) for label in classifier.classes_]] = classifier.predict_proba(features)
        return shares

    # ---- features ---------------------------------------------------------------------------------

    def _fit_features(self, corpus: Corpus) -> None:
        """Fit what the features need beyond the idf (nothing for words alone)."""

    def _features(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """L2-normalised TF-IDF of the corpus's own words (lexicon words it never used carry no weight)."""
        words = sparse.csr_matrix(counts[:, :self.n_words_], dtype=float, copy=True)
        if self.sublinear_tf:
            words.data = 1.0 + np.log(words.data)
        return normalize(words @ sparse.diags(self.idf_), norm="l2")

    def _transform(self, counts: sparse.csr_matrix) -> np.ndarray:
        topics = [*self.themes_, OTHER]
        if counts.shape[0] == 0:
            return np.zeros((0, len(topics)))
        return distributions(self._shares(self.classifier_, self._features(counts), topics))

    # ---- saving -----------------------------------------------------------------------------------

    def _save_state(self, folder: Path) -> None:
        np.savez_compressed(folder / STATE_FILE, idf=self.idf_, coef=self.classifier_.coef_,
                            intercept=self.classifier_.intercept_, classes=np.array(self.classifier_.classes_, dtype=str))

    def _load_state(self, folder: Path) -> None:
        path = folder / STATE_FILE
        if not path.is_file():
            raise InputError(f"{folder}: saved model is missing {STATE_FILE}")
        with np.load(path) as state:
            self.idf_ = state["idf"]
            self.classifier_ = self._classifier()
            self.classifier_.coef_, self.classifier_.intercept_ = state["coef"], state["intercept"]
            self.classifier_.classes_ = state["classes"].astype(object)
        self.n_words_ = len(self.idf_)


class SeededSupervised(Supervised):
    """``supervised`` with seeded LDA's topic shares of each unit appended to its words.

    A seeded LDA (its defaults, one topic per theme, facet and 'other'; ``seed_boost``, ``passes``,
    ``iterations`` and ``random_state`` as given) is fitted on the same corpus and lexicon — on every
    unit, labelled or not, without their labels — and saved with the model; a unit's features are
    its TF-IDF and ``seeded_weight`` × its topic shares. The seeded topics depend on the seed, so each
    seed is a fit of its own."""

    name = "seeded-supervised"
    deterministic = False
    reads_unseen_words = True  # the seeded LDA reads lexicon words the corpus never uses
    param_rules = {**Supervised.param_rules, "seeded_weight": number(0), "seed_boost": number(0),
                   "passes": integer(1), "iterations": integer(1)}

    def __init__(self, C=10.0, class_weight="balanced", sublinear_tf=True, cv_folds=5, max_iter=1000, random_state=0,
                 seeded_weight=1.0, seed_boost=0.1, passes=5, iterations=30):
        super().__init__(C=C, class_weight=class_weight, sublinear_tf=sublinear_tf, cv_folds=cv_folds,
                         max_iter=max_iter, random_state=random_state)
        self.seeded_weight = seeded_weight
        self.seed_boost = seed_boost
        self.passes = passes
        self.iterations = iterations

    def _fit_features(self, corpus: Corpus) -> None:
        k = SeededLda.smallest_k(self.lexicon_, {})
        self.seeded_ = SeededLda(k=k, seed_boost=self.seed_boost, passes=self.passes, iterations=self.iterations,
                                 random_state=self.random_state).fit(corpus, self.lexicon_)

    def _features(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        shares = self.seeded_._transform(counts)
        return sparse.hstack([super()._features(counts), self.seeded_weight * sparse.csr_matrix(shares)], format="csr")

    def _save_state(self, folder: Path) -> None:
        super()._save_state(folder)
        self.seeded_.save(folder / SEEDED_FOLDER, tokenizer_settings=self.tokenizer_settings_)

    def _load_state(self, folder: Path) -> None:
        super()._load_state(folder)
        if not (folder / SEEDED_FOLDER).is_dir():
            raise InputError(f"{folder}: saved model is missing {SEEDED_FOLDER}/")
        self.seeded_ = load_saved(folder / SEEDED_FOLDER, {SeededLda.name: SeededLda})
